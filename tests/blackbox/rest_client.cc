#include "tests/blackbox/rest_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Json = nlohmann::json;

void ParseBody(RestResponse* r) {
  r->json = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  r->is_json = !r->json.is_discarded();
  if (!r->is_json) r->json = nullptr;
}

// True if `text` holds a status line, headers and as many body bytes as
// their Content-Length says.
bool ResponseComplete(const std::string& text) {
  size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text).substr(0, end), "\r\n")) {
    if (absl::StartsWithIgnoreCase(line, "content-length:")) {
      size_t length = 0;
      if (!absl::SimpleAtoi(line.substr(15), &length)) return false;
      return text.size() >= end + 4 + length;
    }
  }
  return false;  // no length: read to the end
}

}  // namespace

std::string RestResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

size_t RestResponse::HeaderCount(const std::string& name) const {
  size_t n = 0;
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) ++n;
  }
  return n;
}

std::string RestResponse::MediaType() const {
  std::string type = Header("Content-Type");
  type = type.substr(0, type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

std::string RestResponse::Describe() const {
  if (status == 0) return absl::StrCat("no response: ", error);
  std::string text = absl::StrCat("HTTP ", status, "\n");
  for (const auto& [key, value] : headers) {
    absl::StrAppend(&text, key, ": ", value, "\n");
  }
  absl::StrAppend(&text, "\n", body);
  return text;
}

RestClient::RestClient(int port) : port_(port) {}

RestResponse RestClient::Send(const std::string& method,
                              const std::string& target,
                              const std::string& body,
                              const std::string& content_type,
                              const httplib::Headers& headers) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_url_encode(false);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(10));
  client.set_write_timeout(std::chrono::seconds(10));
  httplib::Request request;
  request.method = method;
  request.path = target;
  request.headers = headers;
  if (!body.empty() || !content_type.empty()) {
    request.body = body;
    if (!content_type.empty()) {
      request.headers.emplace("Content-Type", content_type);
    }
  }
  RestResponse response;
  httplib::Result result = client.send(request);
  if (!result) {
    response.error = httplib::to_string(result.error());
    return response;
  }
  response.status = result->status;
  response.headers = result->headers;
  response.body = result->body;
  ParseBody(&response);
  return response;
}

RestResponse RestClient::Register(const std::string& username) const {
  return Post("/v1/users", {{"username", username}, {"password", kPassword}});
}

RestResponse RestClient::Login(const std::string& username,
                               const std::string& password) const {
  return Post("/v1/auth:login",
              {{"username", username}, {"password", password}});
}

std::string RestClient::SignUp(const std::string& username,
                               std::string* user_id) const {
  RestResponse registered = Register(username);
  if (registered.status != 200) {
    ADD_FAILURE() << "POST /v1/users " << username << ": "
                  << registered.Describe();
    return "";
  }
  RestResponse login = Login(username, kPassword);
  if (login.status != 200 || !login.json.contains("accessToken")) {
    ADD_FAILURE() << "POST /v1/auth:login " << username << ": "
                  << login.Describe();
    return "";
  }
  if (user_id != nullptr) *user_id = login.json.value("userId", "");
  return login.json["accessToken"].get<std::string>();
}

httplib::Headers AuthHeaders(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

::testing::AssertionResult IsRpcStatus(const RestResponse& response, int http,
                                       int code,
                                       const std::string& message_part) {
  auto failure = [&](const std::string& why) {
    return ::testing::AssertionFailure()
           << why << "; expected HTTP " << http << " with code " << code
           << "; got " << response.Describe();
  };
  if (response.status != http) return failure("wrong HTTP status");
  if (response.MediaType() != "application/json") {
    return failure("Content-Type is not application/json");
  }
  if (!response.is_json || !response.json.is_object()) {
    return failure("body is not a JSON object");
  }
  const Json& j = response.json;
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  if (keys != std::set<std::string>{"code", "message", "details"}) {
    return failure("body is not exactly {code, message, details}");
  }
  if (!j["code"].is_number_integer() || j["code"].get<int>() != code) {
    return failure("wrong google.rpc.Code");
  }
  if (!j["message"].is_string() || j["message"].get<std::string>().empty()) {
    return failure("message is not a non-empty string");
  }
  if (!j["details"].is_array() || !j["details"].empty()) {
    return failure("details is not []");
  }
  if (!message_part.empty() &&
      !absl::StrContains(j["message"].get<std::string>(), message_part)) {
    return failure("message does not mention \"" + message_part + "\"");
  }
  return ::testing::AssertionSuccess();
}

RawConnection::RawConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  timeval timeout{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(const std::string& bytes) {
  return fd_ >= 0 && send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                         static_cast<ssize_t>(bytes.size());
}

RestResponse RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  RestResponse response;
  if (fd_ < 0) {
    response.error = "not connected";
    return response;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ResponseComplete(buffer_)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      response.error = "timed out; have: " + buffer_;
      return response;
    }
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  size_t end = buffer_.find("\r\n\r\n");
  if (end == std::string::npos) {
    response.error = "connection closed; have: " + buffer_;
    buffer_.clear();
    return response;
  }
  std::vector<std::string> lines =
      absl::StrSplit(buffer_.substr(0, end), "\r\n");
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    response.headers.emplace(
        lines[i].substr(0, colon),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  size_t length = buffer_.size() - (end + 4);  // no length: up to the close
  absl::SimpleAtoi(response.Header("Content-Length"), &length);
  length = std::min(length, buffer_.size() - (end + 4));
  response.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  // "HTTP/1.1 400 Bad Request"
  std::vector<std::string> status_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    response.status = 0;
    response.error = "bad status line: " + lines[0];
    return response;
  }
  ParseBody(&response);
  return response;
}

RestResponse RawHttp(int port, const std::string& request) {
  RawConnection connection(port);
  if (!connection.Send(request)) {
    RestResponse response;
    response.error = "connect or send failed";
    return response;
  }
  return connection.ReadResponse(std::chrono::seconds(10));
}

}  // namespace rentwave::blackbox
