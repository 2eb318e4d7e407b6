// ssetool's entry point: builds the command line from the subcommand files, parses it, runs the chosen
// subcommand and maps errors to exit codes (0 ok, 1 run-time failure, 2 usage error).
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "command.hpp"
#include "positionals.hpp"
#include "ssetool/base/errors.hpp"

namespace ssetool::cli {

void print_error(const std::string& subcommand, const std::string& message) {
  if (subcommand.empty()) fmt::print(stderr, "ssetool: {}\n", message);
  else fmt::print(stderr, "ssetool: {}: {}\n", subcommand, message);
}

namespace {

CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

// Names an unknown subcommand or top-level option before CLI11 reports something vaguer.
std::string first_unknown_word(CLI::App& app, const std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "-h" || word == "--help" || word == "--version") return {};
    if (!word.empty() && word[0] == '-') return "unknown option '" + word + "'";
    if (find_subcommand(app, word) != nullptr) return {};
    return "unknown subcommand '" + word + "'";
  }
  return {};
}

// `ssetool help` is `ssetool --help`; `ssetool help CMD` is `ssetool CMD --help`.
std::vector<std::string> help_arguments(CLI::App& app, const std::vector<std::string>& args) {
  if (args.size() == 2) return {args[0], "--help"};
  if (args.size() == 3 && find_subcommand(app, args[2]) != nullptr) return {args[0], args[2], "--help"};
  if (args.size() == 3) throw InvalidArgument("help: unknown subcommand '" + args[2] + "' (see --help)");
  throw InvalidArgument("help: give one subcommand, e.g. ssetool help pipe");
}

// The chosen subcommand's slips that CLI11 would report vaguely (a command without `--`...): false once reported.
bool subcommand_words_ok(CLI::App& app, const std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].empty() || args[i][0] == '-') continue;
    CLI::App* sub = find_subcommand(app, args[i]);
    if (sub == nullptr) return true;
    try {
      check_positionals(*sub, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()));
    } catch (const InvalidArgument& e) {
      print_error(sub->get_name(), e.what());
      return false;
    }
    return true;
  }
  return true;
}

int run(int argc, char** argv) {
  CLI::App app{"ssetool — Server-Sent Events from the shell: serve, replay, read and benchmark event streams.",
               "ssetool"};
  app.set_version_flag("--version", std::string("ssetool ") + SSETOOL_VERSION);
  app.footer("Run 'ssetool help SUBCOMMAND' (or 'ssetool SUBCOMMAND --help') for a subcommand's options; see also\n"
             "ssetool(1).");
  app.require_subcommand(1);

  std::map<CLI::App*, Runner> runners;
  const std::string version = std::string("ssetool ") + SSETOOL_VERSION;
  auto add = [&](Runner (*adder)(CLI::App&)) {
    std::size_t before = app.get_subcommands({}).size();
    Runner runner = adder(app);
    CLI::App* sub = app.get_subcommands({}).at(before);
    sub->set_version_flag("--version", version);
    runners[sub] = std::move(runner);
  };
  add(add_pipe_command);
  add(add_serve_command);
  add(add_replay_command);
  add(add_listen_command);
  add(add_bench_command);
  add(add_completion_command);

  std::vector<std::string> args(argv, argv + argc);
  try {
    if (args.size() >= 2 && args[1] == "help") args = help_arguments(app, args);
  } catch (const InvalidArgument& e) {
    print_error("", e.what());
    return kExitUsage;
  }
  if (std::string unknown = first_unknown_word(app, args); !unknown.empty()) {
    print_error("", unknown + " (see --help)");
    return kExitUsage;
  }
  if (!subcommand_words_ok(app, args)) return kExitUsage;

  std::string chosen;
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 takes them last first
    app.parse(reversed);
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
