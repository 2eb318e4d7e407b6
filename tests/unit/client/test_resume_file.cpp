// Tests of ResumeFile (lib/include/ssetool/client/resume_file.hpp): the id read back by the next run, the atomic
// replacement (no .tmp left behind), and the refusal of files that are not id files.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/client/resume_file.hpp"
#include "temp_dir.hpp"

using ssetool::ResumeFile;
using namespace std::chrono_literals;

TEST_CASE("ResumeFile: a missing file means no id, a stored id is read by the next run", "[client][resume]") {
  testsupport::TempDir dir;
  std::string path = dir.file("id");
  {
    ResumeFile first(path, 0ms);
    CHECK(first.last_id().empty());
    first.store("41");
    first.store("42");
  }
  CHECK(dir.read("id") == "42\n");
  struct stat st {};
  CHECK(::stat(dir.file("id.tmp").c_str(), &st) != 0);  // renamed over the file, none left behind
  ResumeFile second(path);
  CHECK(second.last_id() == "42");
  dir.write("id", " spaced id ");  // no newline: the whole file is the id
  CHECK(ResumeFile(path).last_id() == " spaced id ");
  dir.write("id", "");
  CHECK(ResumeFile(path).last_id().empty());
}

TEST_CASE("ResumeFile: within the interval an id waits for the next store after it, or flush", "[client][resume]") {
  testsupport::TempDir dir;
  ResumeFile resume(dir.file("id"), 1h);
  resume.store("1");  // the first write is never held back
  CHECK(dir.read("id") == "1\n");
  resume.store("2");
  resume.store("3");
  CHECK(resume.last_id() == "3");
  CHECK(dir.read("id") == "1\n");
  resume.flush();
  CHECK(dir.read("id") == "3\n");
  resume.store("3");
  resume.flush();  // nothing new: no write
  CHECK(dir.read("id") == "3\n");
}

TEST_CASE("ResumeFile: a file that is not an id file is refused", "[client][resume]") {
  testsupport::TempDir dir;
  CHECK_THROWS_AS(ResumeFile(dir.write("two", "1\n2\n")), ssetool::InvalidArgument);
  CHECK_THROWS_AS(ResumeFile(dir.write("big", std::string(70000, 'x'))), ssetool::InvalidArgument);
}

TEST_CASE("ResumeFile: a store that cannot be written throws SystemError naming the file", "[client][resume]") {
  testsupport::TempDir dir;
  ResumeFile resume(dir.file("no/such/dir/id"));
  CHECK_THROWS_WITH(resume.store("1"), Catch::Matchers::StartsWith(dir.file("no/such/dir/id.tmp") + ": cannot create"));
}
