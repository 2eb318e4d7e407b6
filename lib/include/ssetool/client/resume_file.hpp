// `listen --resume-file FILE`: the last event id kept in a file across runs. A run starts from the id the file
// holds (sent as Last-Event-ID) and stores the new last id as events arrive: at once when the last write is
// `interval` old, else at the next event after that or at flush() (the end of the run). A write costs a file
// creation and a rename (about 1 ms here), so a fast stream is written at most every `interval`; after a kill -9
// the next run may get again the events that came within `interval` of the last write (at least once, never a
// gap). Each write goes to FILE.tmp,
// renamed over FILE, so a reader sees the old id or the new one, never half of one. The file holds the id and a
// newline; a missing or empty file means no id.
//
//   ssetool::ResumeFile resume("stream.id");   // reads it (SystemError when it exists but cannot be read)
//   client_options.last_event_id = resume.last_id();
//   resume.store("42");                        // SystemError when it cannot be written
//   resume.flush();                            // at the end of the run
#pragma once

#include <chrono>
#include <string>

namespace ssetool {

class ResumeFile {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval{100};

  explicit ResumeFile(std::string path, std::chrono::milliseconds interval = kDefaultInterval);

  // The id read from the file, then the last one given to store().
  const std::string& last_id() const { return last_id_; }
  // Takes `id` as the last id; writes it now unless the last write is younger than the interval.
  void store(const std::string& id);
  // Writes the last id if it is not written yet.
  void flush();

 private:
  void write(const std::string& id);

  std::string path_;
  std::chrono::milliseconds interval_;
  std::string last_id_;     // the newest id
  std::string written_id_;  // the id the file holds
  std::chrono::steady_clock::time_point last_write_{};
};

}  // namespace ssetool
