// Positionals of the server subcommands (see positionals.hpp).
#include "positionals.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"

namespace ssetool::cli {
namespace {

bool takes_value(const CLI::App& sub, const std::string& name) {
  const CLI::Option* option = sub.get_option_no_throw(name);
  return option != nullptr && option->get_expected_max() > 0;  // 0 for a flag
}

// How many words a short-option cluster ("-vq", "-f", "-fndjson") uses: 2 when its last option takes the next word.
std::size_t short_cluster_width(const CLI::App& sub, const std::string& word) {
  for (std::size_t i = 1; i < word.size(); ++i)
    if (takes_value(sub, std::string{'-', word[i]})) return i + 1 == word.size() ? 2 : 1;
  return 1;
}

// Indexes of the words that are not options or option values, up to `--` (or a help/version flag).
std::vector<std::size_t> positional_indexes(const CLI::App& sub, const std::vector<std::string>& args) {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < args.size();) {
    const std::string& word = args[i];
    if (word == "--" || word == "-h" || word == "--help" || word == "--version") break;
    if (word.rfind("--", 0) == 0) {
      bool inline_value = word.find('=') != std::string::npos;
      i += !inline_value && takes_value(sub, word) ? 2 : 1;
    } else if (word.size() > 1 && word[0] == '-') {
      i += short_cluster_width(sub, word);
    } else {
      found.push_back(i++);
    }
  }
  return found;
}

std::string joined(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) line += (line.empty() ? "" : " ") + shell_quote(w);
  return line;
}

bool is_plain_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) != 0;
}

// pipe and serve: a command goes after `--`; everything from the first positional on is taken to be it.
void check_command_after_separator(const CLI::App& sub, const std::vector<std::string>& args, std::size_t first) {
  std::vector<std::string> options(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(first));
  std::vector<std::string> command;
  for (std::size_t i = first; i < args.size(); ++i)
    if (args[i] != "--") command.push_back(args[i]);
  std::string prefix = "ssetool " + sub.get_name() + (options.empty() ? "" : " " + joined(options));
  if (sub.get_name() == "pipe" && command.size() == 1 && is_plain_file(command[0]))
    throw InvalidArgument("pipe reads stdin, not a file argument; did you mean: " + prefix + " < " +
                          shell_quote(command[0]) + "?");
  throw InvalidArgument("a command goes after '--'; did you mean: " + prefix + " -- " + joined(command) + "?");
}

}  // namespace

std::string shell_quote(const std::string& word) {
  const std::string safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=@%+,^";
  if (!word.empty() && word.find_first_not_of(safe) == std::string::npos) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void check_positionals(const CLI::App& sub, const std::vector<std::string>& args) {
  const std::string& name = sub.get_name();
  std::vector<std::size_t> found = positional_indexes(sub, args);
  if ((name == "pipe" || name == "serve") && !found.empty()) check_command_after_separator(sub, args, found[0]);
  if (name == "replay" && found.size() > 1)
    throw InvalidArgument("one recording FILE at most ('" + args[found[0]] + "' and '" + args[found[1]] +
                          "' given); serve more with -r 'PATH=FILE' or --routes FILE");
}

}  // namespace ssetool::cli
