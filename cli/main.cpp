// ssetool's entry point: builds the command line from the subcommand files, parses it, runs the chosen
// subcommand and maps errors to exit codes (0 ok, 1 run-time failure, 2 usage error).
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include <fmt/core.h>

#include "command.hpp"
#include "ssetool/base/errors.hpp"

namespace ssetool::cli {

void print_error(const std::string& subcommand, const std::string& message) {
  if (subcommand.empty()) fmt::print(stderr, "ssetool: {}\n", message);
  else fmt::print(stderr, "ssetool: {}: {}\n", subcommand, message);
}

namespace {

// Names an unknown subcommand or top-level option before CLI11 reports something vaguer.
std::string first_unknown_word(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "-h" || word == "--help" || word == "--version") return {};
    if (!word.empty() && word[0] == '-') return "unknown option '" + word + "'";
    for (CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == word) return {};
    return "unknown subcommand '" + word + "'";
  }
  return {};
}

int run(int argc, char** argv) {
  CLI::App app{"ssetool — Server-Sent Events from the shell: serve, replay, read and benchmark event streams.",
               "ssetool"};
  app.set_version_flag("--version", std::string("ssetool ") + SSETOOL_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'ssetool SUBCOMMAND --help' for a subcommand's options; see also ssetool(1).");

  std::map<CLI::App*, Runner> runners;
  auto add = [&](Runner (*adder)(CLI::App&)) {
    std::size_t before = app.get_subcommands({}).size();
    Runner runner = adder(app);
    runners[app.get_subcommands({}).at(before)] = std::move(runner);
  };
  add(add_pipe_command);
  add(add_serve_command);
  add(add_replay_command);
  add(add_listen_command);
  add(add_bench_command);

  if (std::string unknown = first_unknown_word(app, argc, argv); !unknown.empty()) {
    print_error("", unknown + " (see --help)");
    return kExitUsage;
  }

  std::string chosen;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where;
    for (CLI::App* sub : app.get_subcommands()) where = sub->get_name();
    std::string message = e.what();
    if (message.empty()) message = "invalid command line";
    print_error(where, message + " (see --help)");
    return kExitUsage;
  }

  for (CLI::App* sub : app.get_subcommands()) {
    chosen = sub->get_name();
    try {
      return runners.at(sub)();
    } catch (const InvalidArgument& e) {
      print_error(chosen, e.what());
      return kExitUsage;
    } catch (const std::exception& e) {
      print_error(chosen, e.what());
      return kExitFailure;
    }
  }
  return kExitUsage;
}

}  // namespace
}  // namespace ssetool::cli

int main(int argc, char** argv) { return ssetool::cli::run(argc, argv); }
