// The result store of a sweep: DIR/episodes.jsonl, one JSON object per finished episode, appended
// and flushed to the kernel (and fdatasync'ed) as each episode finishes, so a killed sweep loses
// nothing finished and `--resume DIR` continues it. An episode that ended in error (e.g. a remote
// policy server that was down) is not finished: `--resume` runs it again and appends the new
// record, and every reader takes the last record of each episode.
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

/// Reads every complete record of an episodes.jsonl file, one per episode: when an episode was
/// stored more than once (an error, then its rerun by --resume), the last record, at the place of the
/// first. A final line without its newline (the process was killed while writing it) is ignored. A
/// malformed complete line is an error.
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

  /// True if the episode is stored with a record that did not end in error (a sweep skips it).
  bool has(const EpisodeKey& key) const;
  /// Records loaded at open (resume) plus those appended since, in file order, one per episode
  /// (the last record of an episode stored more than once, at the place of its first).
  std::vector<EpisodeRecord> records() const;
  /// Appends one record as one line, flushed and synced before returning; it supersedes an
  /// earlier record of the same episode.
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
