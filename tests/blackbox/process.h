// Low-level process helpers for the black-box tests: temporary directories,
// spawning a program with its output captured to files, bounded waiting.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rentwave::blackbox {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction unless RENTWAVE_BLACKBOX_KEEP is set in the environment.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // `path()/name`.
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

// Starts `argv[0]` (a path) with `argv`, stdin from /dev/null and stdout and
// stderr truncated into the given files. The environment is the test's own
// minus every RENTWAVE_* variable, so the flags alone configure the child.
// Aborts the test process if the spawn itself fails.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::string& stdout_path, const std::string& stderr_path);

// Waits up to `timeout` for `pid` to exit. Returns its exit code (128 + n if
// killed by signal n), or nullopt if it is still running.
std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

// Polls `condition` every few milliseconds until it is true (returns true) or
// `timeout` passes (returns false).
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout);

// The whole file, or "" if it cannot be read.
std::string ReadFile(const std::string& path);

// The lines of `text` (without their '\n').
std::vector<std::string> Lines(const std::string& text);

// The result of running a program to completion.
struct RunResult {
  int exit_code = -1;  // -1: timed out (and was killed)
  std::string out;
  std::string err;
};

// Runs `argv` to completion (killing it after `timeout`), capturing output.
RunResult RunProgram(
    const std::vector<std::string>& argv,
    std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace rentwave::blackbox
