// Recorded ids (see replay/recording.hpp).
#include "ssetool/replay/recording.hpp"

namespace ssetool {

bool is_numeric_id(std::string_view id) {
  return !id.empty() && id.size() <= 19 && id.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace ssetool
