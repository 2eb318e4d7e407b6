// testsupport::TempDir — a fresh, private directory for one test (tapes, port files, certificates), removed with
// everything in it when the TempDir goes out of scope.
#pragma once

#include <string>

namespace testsupport {

class TempDir {
 public:
  // Creates $TMPDIR/ssetool-test-XXXXXX (or under /tmp). Throws std::runtime_error on failure.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // The path of `name` inside the directory (the file is not created).
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Writes `contents` to `name` inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& contents) const;

  // The contents of `name` inside the directory ("" when it does not exist).
  std::string read(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace testsupport
