// The result store of a sweep: DIR/episodes.jsonl, one JSON object per finished episode, appended
// and flushed to the kernel (and fdatasync'ed) as each episode finishes, so a killed sweep loses
// nothing finished and `--resume DIR` continues it.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "eval/record.h"

namespace wambench {

/// The current UTC time as ISO 8601, e.g. "2026-12-05T20:16:04Z" (run manifests); with
/// `for_file_names` without colons, "2026-12-05T201604Z" (folder names).
std::string utc_timestamp(bool for_file_names = false);

/// Reads every complete record of an episodes.jsonl file. A final line without its newline (the
/// process was killed while writing it) is ignored. A malformed complete line is an error.
/// @throws std::runtime_error naming the file and line.
std::vector<EpisodeRecord> read_episode_records(const std::string& path);

/// Thread-safe appender of episode records.
class ResultStore {
 public:
  /// Opens DIR/episodes.jsonl. With `resume` false the file must not exist yet or be empty
  /// (a finished run is never overwritten); with `resume` true existing complete records are
  /// loaded and a torn last line is cut off.
  /// @throws std::runtime_error if the directory cannot be created / written, or the file exists
  /// without `resume`.
  ResultStore(const std::string& dir, bool resume);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  /// True if the episode is already stored.
  bool has(const EpisodeKey& key) const;
  /// Records loaded at open (resume) plus those appended since, in file order.
  std::vector<EpisodeRecord> records() const;
  /// Appends one record as one line, flushed and synced before returning.
  /// @throws std::runtime_error on a write error.
  void append(const EpisodeRecord& record);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::vector<EpisodeRecord> records_;
  std::map<EpisodeKey, size_t> index_;
};

}  // namespace wambench
