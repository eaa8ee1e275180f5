#include "eval/merge.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "eval/config.h"
#include "eval/recording.h"
#include "eval/report.h"
#include "eval/run.h"
#include "eval/run_manifest.h"
#include "eval/store.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

struct Shard {
  std::string dir;
  nlohmann::json manifest;
  std::string hash, code;
  size_t records = 0;
};

// The sweep's dimensions, read from a manifest's resolved config (eval/config.h to_json).
struct Sweep {
  std::vector<std::string> policies, tasks, splits;
  std::map<std::string, size_t> policy_at, task_at, split_at;
  int64_t episodes = 0;
  size_t total() const { return policies.size() * tasks.size() * splits.size() * static_cast<size_t>(episodes); }
  // Canonical position (sweep_keys order) of a key, or -1 if it is not in the sweep.
  int64_t position(const std::string& p, const std::string& t, const std::string& s, int64_t i) const {
    const auto pi = policy_at.find(p), ti = task_at.find(t), si = split_at.find(s);
    if (pi == policy_at.end() || ti == task_at.end() || si == split_at.end() || i < 0 || i >= episodes) return -1;
    return ((static_cast<int64_t>(pi->second) * tasks.size() + ti->second) * splits.size() + si->second) * episodes + i;
  }
  EpisodeKey key(int64_t pos) const {
    EpisodeKey k;
    k.index = pos % episodes;
    pos /= episodes;
    k.split = splits[pos % splits.size()];
    pos /= splits.size();
    k.task = tasks[pos % tasks.size()];
    k.policy = policies[pos / tasks.size()];
    return k;
  }
};

Sweep read_sweep(const nlohmann::json& config, const std::string& source) {
  Sweep s;
  try {
    for (const auto& p : config.at("policies"))
      s.policies.push_back(p.is_string() ? p.get<std::string>()
                                         : p.value("label", p.at("name").get<std::string>()));
    s.tasks = config.at("tasks").get<std::vector<std::string>>();
    s.splits = config.at("splits").get<std::vector<std::string>>();
    s.episodes = config.at("episodes").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw MergeError(source + ": malformed 'config' (not written by wambench eval?): " + e.what());
  }
  if (s.policies.empty() || s.tasks.empty() || s.splits.empty() || s.episodes < 1)
    throw MergeError(source + ": 'config' describes an empty sweep");
  for (size_t i = 0; i < s.policies.size(); ++i) s.policy_at[s.policies[i]] = i;
  for (size_t i = 0; i < s.tasks.size(); ++i) s.task_at[s.tasks[i]] = i;
  for (size_t i = 0; i < s.splits.size(); ++i) s.split_at[s.splits[i]] = i;
  return s;
}

Shard read_shard(const std::string& dir) {
  Shard s;
  s.dir = dir;
  try {
    s.manifest = read_run_manifest(dir);
  } catch (const RunError& e) {
    const bool unreadable = !std::ifstream(fs::path(dir) / "manifest.json");
    throw MergeError(std::string(e.what()) +
                     (unreadable ? " (give the --out directories of `wambench eval --shard K/N`)" : ""));
  }
  if (!fs::exists(fs::path(dir) / "episodes.jsonl"))
    throw MergeError("'" + dir + "' has no episodes.jsonl: the shard never started");
  s.hash = config_hash(s.manifest.at("config"));
  const nlohmann::json w = s.manifest.value("wambench", nlohmann::json::object());
  s.code = (w.is_object() ? w.value("version", "?") + " (git " + w.value("git_commit", "?") + ")" : "?");
  return s;
}

// Names the top-level config fields that differ, for the refusal message.
std::string config_difference(const nlohmann::json& a, const nlohmann::json& b) {
  std::string out;
  for (const auto& [k, v] : a.items())
    if (!b.contains(k) || b.at(k) != v) {
      if (k == "workers" || k == "record_video" || k == "record_trajectories") continue;
      out += (out.empty() ? "" : ", ") + k;
    }
  for (const auto& [k, v] : b.items())
    if (!a.contains(k)) out += (out.empty() ? "" : ", ") + k;
  return out.empty() ? "" : " (config fields that differ: " + out + ")";
}

// Where each of the sweep's episodes is stored: shard number (-1 = nowhere), byte range of its line.
struct Slot {
  int32_t shard = -1;
  uint32_t length = 0;
  uint64_t offset = 0;
};

void write_all(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

std::string describe_missing(const std::vector<EpisodeKey>& missing, size_t max_lines) {
  std::ostringstream out;
  size_t lines = 0, cells = 0;
  for (size_t i = 0; i < missing.size();) {
    const EpisodeKey& c = missing[i];
    std::string ranges;
    size_t j = i;
    while (j < missing.size() && missing[j].policy == c.policy && missing[j].task == c.task &&
           missing[j].split == c.split) {
      size_t e = j;
      while (e + 1 < missing.size() && missing[e + 1].policy == c.policy && missing[e + 1].task == c.task &&
             missing[e + 1].split == c.split && missing[e + 1].index == missing[e].index + 1)
        ++e;
      ranges += (ranges.empty() ? "" : ", ") + std::to_string(missing[j].index);
      if (e > j) ranges += "-" + std::to_string(missing[e].index);
      j = e + 1;
    }
    ++cells;
    if (lines < max_lines) {
      out << "  " << c.policy << "/" << c.task << "/" << c.split << ": episode" << (j - i > 1 ? "s " : " ") << ranges
          << "\n";
      ++lines;
    }
    i = j;
  }
  if (cells > lines) out << "  ... and " << (cells - lines) << " more cells\n";
  return out.str();
}

MergeResult merge_runs(const std::string& out_dir, const std::vector<std::string>& shard_dirs,
                       const MergeOptions& options) {
  if (shard_dirs.empty()) throw MergeError("no shard directories to merge");
  std::vector<Shard> shards;
  for (const std::string& d : shard_dirs) {
    Shard shard = read_shard(d);
    for (const Shard& s : shards)
      if (fs::equivalent(fs::path(s.dir), fs::path(d)))
        throw MergeError("'" + d + "' is given twice (as '" + s.dir + "')");
    shards.push_back(std::move(shard));
  }
  const Shard& first = shards.front();
  for (const Shard& s : shards) {
    if (s.hash != first.hash)
      throw MergeError("the shards belong to different sweeps: config hash differs: '" + first.dir + "' has " +
                       first.hash + ", '" + s.dir + "' has " + s.hash +
                       config_difference(first.manifest.at("config"), s.manifest.at("config")));
    if (s.code != first.code)
      throw MergeError("the shards belong to different sweeps: code version differs: '" + first.dir + "' has " +
                       first.code + ", '" + s.dir + "' has " + s.code);
  }
  if (fs::exists(out_dir) && !fs::is_empty(out_dir))
    throw MergeError("'" + out_dir + "' already exists and is not empty; choose a new output directory (nothing "
                     "is overwritten)");
  const Sweep sweep = read_sweep(first.manifest.at("config"), (fs::path(first.dir) / "manifest.json").string());

  // One pass over every shard's records: position in the sweep, duplicates, checkpoint hashes.
  std::vector<Slot> slots(sweep.total());
  std::map<std::string, std::pair<std::string, std::string>> checkpoint;  // label -> (hash, dir)
  std::vector<std::string> duplicates, strangers;
  for (size_t si = 0; si < shards.size(); ++si) {
    Shard& shard = shards[si];
    const std::string path = (fs::path(shard.dir) / "episodes.jsonl").string();
    std::ifstream f(path, std::ios::binary);
    if (!f) throw MergeError("cannot read '" + path + "'");
    std::string line;
    uint64_t offset = 0;
    size_t line_no = 0;
    while (std::getline(f, line)) {
      const uint64_t start = offset;
      offset += line.size() + 1;
      ++line_no;
      if (f.eof()) break;  // a last line without its newline: the writer was killed mid-record
      if (line.empty()) continue;
      std::string policy, task, split, hash;
      int64_t index = 0;
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        policy = j.at("policy").get<std::string>();
        task = j.at("task").get<std::string>();
        split = j.at("split").get<std::string>();
        index = j.at("episode").get<int64_t>();
        hash = j.at("checkpoint_hash").get<std::string>();
      } catch (const nlohmann::json::exception& e) {
        throw MergeError(path + ":" + std::to_string(line_no) + ": malformed episode record: " + e.what());
      }
      auto [it, inserted] = checkpoint.try_emplace(policy, hash, shard.dir);
      if (!inserted && it->second.first != hash)
        throw MergeError("the shards belong to different sweeps: checkpoint hash of policy '" + policy +
                         "' differs: '" + it->second.second + "' has " + it->second.first + ", '" + shard.dir +
                         "' has " + hash);
      const int64_t pos = sweep.position(policy, task, split, index);
      const std::string text = policy + "/" + task + "/" + split + "/" + std::to_string(index);
      if (pos < 0) {
        strangers.push_back(text + " (" + path + ":" + std::to_string(line_no) + ")");
        continue;
      }
      Slot& slot = slots[static_cast<size_t>(pos)];
      if (slot.shard == static_cast<int32_t>(si)) {  // rerun by --resume after an error: the last line wins
        --shard.records;
      } else if (slot.shard >= 0) {
        duplicates.push_back(text + " (in '" + shards[slot.shard].dir + "' and '" + shard.dir + "')");
        continue;
      }
      slot = {static_cast<int32_t>(si), static_cast<uint32_t>(line.size() + 1), start};
      ++shard.records;
    }
  }
  const auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (size_t i = 0; i < v.size() && i < 20; ++i) out += "\n  " + v[i];
    if (v.size() > 20) out += "\n  ... and " + std::to_string(v.size() - 20) + " more";
    return out;
  };
  if (!strangers.empty())
    throw MergeError(std::to_string(strangers.size()) + " stored episode(s) are not part of the sweep:" +
                     list(strangers));
  if (!duplicates.empty())
    throw MergeError(std::to_string(duplicates.size()) + " episode(s) are stored more than once (overlapping " +
                     "shards, or one shard given under two names):" + list(duplicates));

  MergeResult result;
  result.expected = sweep.total();
  for (size_t pos = 0; pos < slots.size(); ++pos)
    if (slots[pos].shard < 0) result.missing.push_back(sweep.key(static_cast<int64_t>(pos)));
  if (!result.missing.empty() && !options.allow_partial) return result;

  // Write the records in canonical order, copying each line as its shard stored it.
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw std::runtime_error("cannot create '" + out_dir + "': " + ec.message());
  const std::string out_path = (fs::path(out_dir) / "episodes.jsonl").string();
  const std::string tmp_path = out_path + ".tmp";
  {
    std::vector<int> fds;
    for (const Shard& s : shards) {
      const std::string p = (fs::path(s.dir) / "episodes.jsonl").string();
      fds.push_back(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
      if (fds.back() < 0) throw std::runtime_error("cannot open '" + p + "': " + std::strerror(errno));
    }
    const int out = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) throw std::runtime_error("cannot create '" + tmp_path + "': " + std::strerror(errno));
    std::string buffer, line;
    for (const Slot& slot : slots) {
      if (slot.shard < 0) continue;
      line.resize(slot.length);
      size_t got = 0;
      while (got < slot.length) {
        const ssize_t n = ::pread(fds[slot.shard], line.data() + got, slot.length - got,
                                  static_cast<off_t>(slot.offset + got));
        if (n <= 0) {
          if (n < 0 && errno == EINTR) continue;
          throw std::runtime_error("cannot read back a record of '" + shards[slot.shard].dir +
                                   "/episodes.jsonl' (changed while merging?)");
        }
        got += static_cast<size_t>(n);
      }
      buffer += line;
      ++result.merged;
      if (buffer.size() > (1 << 20)) {
        write_all(out, buffer.data(), buffer.size(), tmp_path);
        buffer.clear();
      }
    }
    write_all(out, buffer.data(), buffer.size(), tmp_path);
    ::fdatasync(out);
    ::close(out);
    for (int fd : fds) ::close(fd);
  }
  fs::rename(tmp_path, out_path);

  // Recordings of the merged episodes: hard links where possible (no extra space), else copies.
  if (options.recordings) {
    std::vector<bool> has_recordings;
    for (const Shard& s : shards) has_recordings.push_back(fs::is_directory(fs::path(s.dir) / "recordings"));
    const std::string out_rec = (fs::path(out_dir) / "recordings").string();
    for (size_t pos = 0; pos < slots.size(); ++pos) {
      const Slot& slot = slots[pos];
      if (slot.shard < 0 || !has_recordings[slot.shard]) continue;
      const EpisodeKey key = sweep.key(static_cast<int64_t>(pos));
      const std::string src_rec = (fs::path(shards[slot.shard].dir) / "recordings").string();
      for (const char* ext : {"h5", "mp4"}) {
        const fs::path src = recording_path(src_rec, key, ext);
        if (!fs::exists(src)) continue;
        const fs::path dst = recording_path(out_rec, key, ext);
        fs::create_directories(dst.parent_path());
        fs::create_hard_link(src, dst, ec);
        if (ec) fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
        ++result.recordings;
      }
    }
  }

  nlohmann::json manifest = {
      {"config", first.manifest.at("config")},
      {"config_hash", first.hash},
      {"command", "wambench merge"},
      {"start_time", utc_timestamp()},
      {"partial", !result.missing.empty()},
      {"missing_episodes", result.missing.size()},
  };
  for (const char* k : {"wambench", "mujoco", "libtorch", "gl_renderer"})
    if (first.manifest.contains(k)) manifest[k] = first.manifest.at(k);
  nlohmann::json from = nlohmann::json::array();
  for (const Shard& s : shards)
    from.push_back({{"dir", fs::absolute(s.dir).lexically_normal().string()},
                    {"shard", s.manifest.contains("shard") ? s.manifest.at("shard").value("spec", "1/1") : "1/1"},
                    {"episodes", s.records},
                    {"machine", s.manifest.value("machine", nlohmann::json())},
                    {"start_time", s.manifest.value("start_time", nlohmann::json())},
                    {"end_time", s.manifest.value("end_time", nlohmann::json())}});
  manifest["merged_from"] = from;
  manifest["end_time"] = utc_timestamp();
  write_json_atomic((fs::path(out_dir) / "manifest.json").string(), manifest);
  if (options.report && result.merged > 0) write_report(out_dir);
  result.written = true;
  return result;
}

}  // namespace wambench
