// A plain HTTP/1.1 client for the REST facade in the black-box tests
// (cpp-httplib underneath): every call on a fresh connection with bounded
// timeouts, answers kept with their headers and their body parsed as JSON.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace rentwave::blackbox {

// One HTTP answer.
struct RestResponse {
  int status = 0;  // 0: no answer (transport error, see `error`)
  std::string error;
  httplib::Headers headers;
  std::string body;
  // The body as JSON; discarded (null) if it does not parse.
  nlohmann::json json;
  bool is_json = false;

  // The first value of header `name` (case-insensitive), or "".
  std::string Header(const std::string& name) const;
  // How many times header `name` was sent.
  size_t HeaderCount(const std::string& name) const;
  bool HasHeader(const std::string& name) const { return HeaderCount(name); }
  // The Content-Type without parameters, lower-cased.
  std::string MediaType() const;
  // Status, headers and body, for failure messages.
  std::string Describe() const;
};

class RestClient {
 public:
  // Talks to 127.0.0.1:`port`.
  explicit RestClient(int port);

  // Sends `method` to `target` (path and query, sent exactly as given: no
  // percent-encoding is added). `body` goes with `content_type` if either is
  // non-empty; `headers` are added as given. Never throws.
  RestResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::string& content_type = "",
                    const httplib::Headers& headers = {}) const;

  RestResponse Get(const std::string& target,
                   const httplib::Headers& headers = {}) const {
    return Send("GET", target, "", "", headers);
  }
  // A JSON body.
  RestResponse Post(const std::string& target, const nlohmann::json& body,
                    const httplib::Headers& headers = {}) const {
    return Send("POST", target, body.dump(), "application/json", headers);
  }
  RestResponse Patch(const std::string& target, const nlohmann::json& body,
                     const httplib::Headers& headers = {}) const {
    return Send("PATCH", target, body.dump(), "application/json", headers);
  }

  // POST /v1/users with a username and kPassword.
  RestResponse Register(const std::string& username) const;
  // POST /v1/auth:login.
  RestResponse Login(const std::string& username,
                     const std::string& password) const;
  // Registers `username` with kPassword and logs in over REST. Returns the
  // access token ("" after recording a test failure); sets *user_id if
  // given.
  std::string SignUp(const std::string& username,
                     std::string* user_id = nullptr) const;

  int port() const { return port_; }

 private:
  int port_;
};

// {"Authorization": "Bearer <token>"}.
httplib::Headers AuthHeaders(const std::string& token);

// Checks that `response` is an error with HTTP status `http`, a JSON body
// that is exactly a google.rpc.Status {"code": `code`, "message": ...,
// "details": []}, Content-Type application/json, and (if given) a message
// containing `message_part`.
::testing::AssertionResult IsRpcStatus(const RestResponse& response, int http,
                                       int code,
                                       const std::string& message_part = "");

// A raw TCP connection to 127.0.0.1:`port` speaking bytes, for requests
// httplib's client cannot send (a bad method, a broken request line, a GET
// with a body) and to see exactly what comes back on one connection.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False if not connected or the bytes could not all be sent.
  bool Send(const std::string& bytes);
  // The next whole response on the connection (headers and Content-Length
  // bytes of body, or all up to the close without a length), or status 0
  // with `error` set if none is complete within `timeout`.
  RestResponse ReadResponse(std::chrono::milliseconds timeout);
  // True once the server closed the connection.
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  std::string buffer_;  // received, not yet returned
  bool closed_ = false;
};

// The answer to raw `request` bytes sent on a new connection to
// 127.0.0.1:`port` (the first response, waiting up to 10 s).
RestResponse RawHttp(int port, const std::string& request);

}  // namespace rentwave::blackbox
