// Process-wide logging setup (spdlog, asynchronous, to stderr).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

// Debian's abseil has its own string_view type; let spdlog/fmt print it.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(absl::string_view s, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(
        std::string_view(s.data(), s.size()), ctx);
  }
};

namespace rentwave::platform {

// Installs an asynchronous stderr logger as spdlog's default at `level`
// (trace, debug, info, warn, error, critical, off). Errors: INVALID_ARGUMENT
// for an unknown level. Call once, before other threads log.
absl::Status InitLogging(const std::string& level);

// Flushes and stops the asynchronous logger; call last, before exit.
void ShutdownLogging();

}  // namespace rentwave::platform
