// `listen --resume-file FILE`: the last event id kept in a file across runs. A run starts from the id the file
// holds (sent as Last-Event-ID) and stores each new last id as it arrives. Each store writes FILE.tmp and renames
// it over FILE, so a reader (or the next run, after a crash or kill -9) sees the old id or the new one, never half
// of one. The file holds the id and a newline; a missing or empty file means no id.
//
//   ssetool::ResumeFile resume("stream.id");   // reads it (SystemError when it exists but cannot be read)
//   client_options.last_event_id = resume.last_id();
//   resume.store("42");                        // SystemError when it cannot be written
#pragma once

#include <string>

namespace ssetool {

class ResumeFile {
 public:
  explicit ResumeFile(std::string path);

  const std::string& last_id() const { return last_id_; }
  // Writes `id` when it differs from the one stored; does nothing otherwise.
  void store(const std::string& id);

 private:
  std::string path_;
  std::string last_id_;
};

}  // namespace ssetool
