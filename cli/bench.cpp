// `ssetool bench`: not built yet (issue #3). It refuses to run rather than pretend to work.
#include "command.hpp"

namespace ssetool::cli {

Runner add_bench_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("bench", "Load-test an SSE endpoint with many clients");
  sub->allow_extras();
  return [] {
    print_error("bench", "not built yet in this version (see issue #3)");
    return kExitUsage;
  };
}

}  // namespace ssetool::cli
