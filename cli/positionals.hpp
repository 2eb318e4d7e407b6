// The words a server subcommand was given without an option before them, read as CLI11 will read them, and the
// usage errors that name a common slip before CLI11 reports something vaguer: a command given without `--`
// (`ssetool pipe tail -f x` → "did you mean: ssetool pipe -- tail -f x?"), a file given to pipe instead of its
// stdin, or more than one recording given to replay.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ssetool::cli {

// `args` are the words after the subcommand's name. Throws InvalidArgument when they break pipe's, serve's or
// replay's rule for positionals; does nothing for other subcommands.
void check_positionals(const CLI::App& sub, const std::vector<std::string>& args);

// One word as a POSIX shell would need it: as is when safe, else in single quotes.
std::string shell_quote(const std::string& word);

}  // namespace ssetool::cli
