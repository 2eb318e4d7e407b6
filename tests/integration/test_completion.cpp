// `ssetool completion bash|zsh|fish`: every flag that a subcommand's --help lists is in each shell's script, in
// that subcommand's part of it, and each script parses in its shell (bash -n, zsh -n, fish --no-execute).
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "testsupport.hpp"

using testsupport::Process;

namespace {

const std::vector<std::string> kSubcommands = {"pipe", "serve", "replay", "listen", "bench", "completion"};

std::string run_ssetool(const std::vector<std::string>& args, int expected_status = 0) {
  std::vector<std::string> argv{SSETOOL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  REQUIRE(p.wait() == expected_status);
  return p.stdout_text();
}

// The flags a subcommand's --help lists: "--name" and "-x" at the start of its option lines.
std::set<std::string> flags_in_help(const std::string& sub) {
  std::string help = run_ssetool({sub, "--help"});
  std::set<std::string> flags;
  std::regex flag(R"(^\s+((?:-[A-Za-z0-9],)?--?[A-Za-z0-9][A-Za-z0-9-]*))");
  std::regex name(R"(--?[A-Za-z0-9][A-Za-z0-9-]*)");
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, flag)) continue;
    std::string names = m[1];
    for (auto it = std::sregex_iterator(names.begin(), names.end(), name); it != std::sregex_iterator(); ++it)
      flags.insert(it->str());
  }
  return flags;
}

// The part of a script that completes `sub`: from its marker to the next subcommand's.
std::string section(const std::string& script, const std::string& shell, const std::string& sub) {
  auto marker = [&](const std::string& s) {
    if (shell == "bash") return "    " + s + ") words=";
    if (shell == "zsh") return "    " + s + ")\n";
    return "__fish_seen_subcommand_from " + s + "'";
  };
  std::size_t begin = script.find(marker(sub));
  REQUIRE(begin != std::string::npos);
  std::size_t end = script.size();
  for (const auto& other : kSubcommands) {
    if (other == sub) continue;
    std::size_t at = script.find(marker(other), begin + 1);
    if (at != std::string::npos && at < end && at > begin) end = at;
  }
  return script.substr(begin, end - begin);
}

bool completes(const std::string& part, const std::string& shell, const std::string& flag) {
  bool is_long = flag.starts_with("--");
  std::string bare = flag.substr(is_long ? 2 : 1);
  if (shell == "bash") return std::regex_search(part, std::regex("[\" ]" + flag + "[\" ]"));
  if (shell == "zsh") return part.find("'" + flag + "[") != std::string::npos ||
                             part.find("'" + flag + "=[") != std::string::npos;
  return part.find((is_long ? " -l " : " -s ") + bare + " ") != std::string::npos;
}

}  // namespace

TEST_CASE("completion: every flag of every subcommand is in the bash, zsh and fish scripts", "[completion]") {
  for (const std::string shell : {"bash", "zsh", "fish"}) {
    std::string script = run_ssetool({"completion", shell});
    for (const auto& sub : kSubcommands) {
      std::string part = section(script, shell, sub);
      std::set<std::string> flags = flags_in_help(sub);
      CHECK(flags.count("--help") == 1);  // the help was read
      for (const auto& flag : flags) {
        INFO(shell << ": ssetool " << sub << " " << flag);
        CHECK(completes(part, shell, flag));
      }
    }
  }
}

TEST_CASE("completion: each script parses in its shell, and bash completes a subcommand's flags",
          "[completion]") {
  testsupport::TempDir dir;
  for (const std::string shell : {"bash", "zsh", "fish"}) {
    std::string path = dir.path() + "/ssetool." + shell;
    {
      std::ofstream(path) << run_ssetool({"completion", shell});
    }
    std::vector<std::string> check = shell == "fish" ? std::vector<std::string>{"fish", "--no-execute", path}
                                                     : std::vector<std::string>{shell, "-n", path};
    Process p(check);
    INFO(shell << ": " << p.stderr_text());
    CHECK(p.wait() == 0);
  }
  // What bash offers after `ssetool pipe --hea`.
  Process bash({"bash", "-c", "source " + dir.path() + "/ssetool.bash; COMP_WORDS=(ssetool pipe --hea); COMP_CWORD=2; "
                                                       "_ssetool; printf '%s\\n' \"${COMPREPLY[@]}\""});
  REQUIRE(bash.wait() == 0);
  CHECK(bash.stdout_text() == "--heartbeat\n--header\n");
  run_ssetool({"completion", "tcsh"}, 2);
}
