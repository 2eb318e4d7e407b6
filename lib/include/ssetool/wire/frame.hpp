// A Frame: the bytes of one encoded event, made once and shared, immutable, by every stream that sends them.
#pragma once

#include <memory>
#include <string>

namespace ssetool {

using Frame = std::shared_ptr<const std::string>;

}  // namespace ssetool
