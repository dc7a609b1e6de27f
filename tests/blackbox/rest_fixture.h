// A GoogleTest fixture for the REST black-box suites: one fresh server per
// test (its own temporary database and free ports) and a REST client for it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/server_process.h"

namespace rentwave::blackbox {

class RestServerTest : public ::testing::Test {
 protected:
  // Flags appended to the server's command line; override to add some.
  virtual std::vector<std::string> ExtraArgs() const { return {}; }

  void SetUp() override {
    server_ =
        std::make_unique<ServerProcess>(ServerOptions().WithArgs(ExtraArgs()));
    ASSERT_TRUE(server_->Start().ok()) << server_->StderrText();
    rest_ = std::make_unique<RestClient>(server_->http_port());
  }

  ServerProcess& server() { return *server_; }
  const RestClient& rest() const { return *rest_; }

 private:
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RestClient> rest_;
};

}  // namespace rentwave::blackbox
