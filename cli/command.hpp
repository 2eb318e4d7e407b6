// What every subcommand file provides to main.cpp: it registers its flags on a CLI11 sub-app and returns
// the function that runs it once the command line has been parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace ssetool::cli {

// Exit codes shared by every subcommand (documented in man/ssetool.1).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // a run-time failure: busy port, lost connection, unreadable file at run time...
  kExitUsage = 2,    // a usage error: unknown flag, bad value, unknown subcommand
};

using Runner = std::function<int()>;

// Each returns the runner for its subcommand; the runner is called only when that subcommand was chosen.
Runner add_pipe_command(CLI::App& app);
Runner add_serve_command(CLI::App& app);
Runner add_replay_command(CLI::App& app);
Runner add_listen_command(CLI::App& app);
Runner add_bench_command(CLI::App& app);
Runner add_completion_command(CLI::App& app);  // needs the whole app: its runner reads every subcommand

// Prints "ssetool: <subcommand>: <message>" on stderr.
void print_error(const std::string& subcommand, const std::string& message);

}  // namespace ssetool::cli
