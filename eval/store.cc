#include "eval/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wambench {

std::string utc_timestamp(bool for_file_names) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), for_file_names ? "%Y-%m-%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
namespace {

// Reads the file; returns the byte length of its complete lines.
std::vector<EpisodeRecord> parse_lines(const std::string& path, size_t* complete_bytes) {
  std::ifstream f(path, std::ios::binary);
  std::vector<EpisodeRecord> out;
  *complete_bytes = 0;
  if (!f) return out;
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos) break;  // torn last line
    ++line_no;
    const std::string line = text.substr(start, nl - start);
    if (!line.empty()) {
      try {
        out.push_back(episode_record_from_json(nlohmann::json::parse(line)));
      } catch (const std::exception& e) {
        throw std::runtime_error(path + ":" + std::to_string(line_no) + ": malformed episode record: " + e.what());
      }
    }
    start = nl + 1;
  }
  *complete_bytes = start;
  return out;
}

// Keeps the last record of each episode, at the place of its first record.
std::vector<EpisodeRecord> latest_per_episode(std::vector<EpisodeRecord> records) {
  std::map<EpisodeKey, size_t> first;
  std::vector<EpisodeRecord> out;
  for (EpisodeRecord& r : records) {
    auto [it, inserted] = first.try_emplace(r.key, out.size());
    if (inserted) out.push_back(std::move(r));
    else out[it->second] = std::move(r);
  }
  return out;
}

}  // namespace

std::vector<EpisodeRecord> read_episode_records(const std::string& path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("no episode records at '" + path + "'");
  size_t bytes = 0;
  return latest_per_episode(parse_lines(path, &bytes));
}

ResultStore::ResultStore(const std::string& dir, bool resume) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create output directory '" + dir + "': " + ec.message());
  path_ = (std::filesystem::path(dir) / "episodes.jsonl").string();
  const bool exists = std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0;
  if (exists && !resume)
    throw std::runtime_error("'" + dir + "' already holds episode results; continue it with --resume " + dir +
                             " or choose another --out");
  if (exists) {
    size_t complete = 0;
    records_ = latest_per_episode(parse_lines(path_, &complete));
    if (complete < std::filesystem::file_size(path_)) std::filesystem::resize_file(path_, complete);  // torn line
    for (size_t i = 0; i < records_.size(); ++i) index_[records_[i].key] = i;
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open '" + path_ + "' for writing: " + std::strerror(errno));
}

ResultStore::~ResultStore() {
  if (fd_ >= 0) ::close(fd_);
}

bool ResultStore::has(const EpisodeKey& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = index_.find(key);
  return it != index_.end() && records_[it->second].status != "error";
}

std::vector<EpisodeRecord> ResultStore::records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_;
}

void ResultStore::append(const EpisodeRecord& record) {
  const std::string line = to_json(record).dump() + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot append to '" + path_ + "': " + std::strerror(errno));
    }
    written += static_cast<size_t>(n);
  }
  ::fdatasync(fd_);
  const auto [it, inserted] = index_.try_emplace(record.key, records_.size());
  if (inserted) records_.push_back(record);
  else records_[it->second] = record;  // a rerun of an episode that ended in error
}

}  // namespace wambench
