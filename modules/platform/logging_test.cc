// Tests for the process's logger: lines written in batches reach stderr
// whole and in order, and a line is written without waiting for shutdown.
#include "modules/platform/logging.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "modules/platform/scoped_temp_dir.h"

namespace rentwave::platform {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LoggingTest, LinesReachStderrWholeInOrderAndWithoutShutdown) {
  ScopedTempDir dir;
  const std::string path = dir.File("stderr.log");
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  const int saved = dup(STDERR_FILENO);
  ASSERT_GE(dup2(file, STDERR_FILENO), 0);
  ASSERT_TRUE(InitLogging("info").ok());

  spdlog::info("a lone line");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ReadAll(path).find("a lone line") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(ReadAll(path).find("a lone line"), std::string::npos);
  // More than one batch (64 KiB) of lines, then shutdown writes the rest.
  constexpr int kLines = 3000;
  for (int i = 0; i < kLines; ++i) spdlog::info("line {} of the test", i);
  ShutdownLogging();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(file);
  // Later tests in this process log to a plain stderr logger again.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("after-logging-test"));

  std::istringstream text(ReadAll(path));
  std::string line;
  int next = 0;
  while (std::getline(text, line)) {
    if (line.find(" of the test") == std::string::npos) continue;
    ASSERT_NE(line.find("line " + std::to_string(next) + " of the test"),
              std::string::npos)
        << line;
    ++next;
  }
  EXPECT_EQ(next, kLines);
}

}  // namespace
}  // namespace rentwave::platform
