#include "app/rest/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "app/rest/socket_workarounds.h"

namespace rentwave::rest {
namespace {

constexpr size_t kReadBuffer = 16 * 1024;
// While waiting for the next request the loop looks this often whether the
// server is stopping.
constexpr absl::Duration kStopCheck = absl::Milliseconds(100);

// Waits up to `timeout` (rounded up to whole milliseconds) for `events` on
// `sock`; the revents, 0 on timeout, -1 on error.
int Wait(int sock, short events, absl::Duration timeout) {
  pollfd p{sock, events, 0};
  const int ms = static_cast<int>(std::clamp<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1))), 0,
      std::numeric_limits<int>::max()));
  int n;
  do {
    n = ::poll(&p, 1, ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 ? p.revents : n;
}

// Whether the header block at the start of `response` has "Connection:
// close" (any case).
bool SaysClose(absl::string_view response) {
  const absl::string_view headers =
      response.substr(0, response.find("\r\n\r\n"));
  for (absl::string_view line : absl::StrSplit(headers, "\r\n")) {
    constexpr absl::string_view kName = "connection:";
    if (absl::StartsWithIgnoreCase(line, kName) &&
        absl::EqualsIgnoreCase(
            absl::StripAsciiWhitespace(line.substr(kName.size())), "close")) {
      return true;
    }
  }
  return false;
}

absl::Duration Timeout(time_t seconds, time_t microseconds) {
  return absl::Seconds(seconds) + absl::Microseconds(microseconds);
}

}  // namespace

void CloseAfterHttplibError(const httplib::Request&, httplib::Response& res) {
  if (res.body.empty()) res.set_header("Connection", "close");
}

KeepAliveServer::KeepAliveServer() {
  set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    CloseAfterHttplibError(req, res);
  });
}

ConnectionStream::ConnectionStream(int sock, absl::Duration read_timeout,
                                   absl::Duration write_timeout)
    : sock_(sock),
      read_timeout_(read_timeout),
      write_timeout_(write_timeout),
      in_(kReadBuffer, '\0') {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    peer_ = EndpointOf(addr);
  }
  len = sizeof(addr);
  if (getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    local_ = EndpointOf(addr);
  }
}

bool ConnectionStream::WaitForRequest(
    absl::Duration keep_alive, const std::atomic<socket_t>& listening) const {
  if (in_begin_ < in_end_) return true;  // pipelined
  const absl::Time deadline = absl::Now() + keep_alive;
  while (listening != INVALID_SOCKET) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    const int ready = Wait(sock_, POLLIN, std::min(left, kStopCheck));
    if (ready != 0) return ready > 0;
  }
  return false;
}

bool ConnectionStream::Flush() const {
  if (held_.empty()) return true;
  const bool sent = SendAll(held_.data(), held_.size());
  held_.clear();
  return sent;
}

bool ConnectionStream::is_readable() const {
  if (in_begin_ < in_end_) return true;
  return Flush() && Wait(sock_, POLLIN, read_timeout_) > 0;
}

bool ConnectionStream::is_writable() const {
  if (!Flush()) return false;
  const int ready = Wait(sock_, POLLOUT | POLLIN, write_timeout_);
  if (ready <= 0 || (ready & (POLLERR | POLLHUP | POLLNVAL)) ||
      !(ready & POLLOUT)) {
    return false;
  }
  if (!(ready & POLLIN)) return true;
  // Readable: bytes of a next request, or the end of the stream (the client
  // left). The bytes are read into the buffer, kept for that request, so
  // that the next check sees an end that follows them (a peek would see
  // the same bytes forever).
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  if (in_end_ == in_.size()) return true;  // the buffer is full
  const ssize_t n =
      ::recv(sock_, in_.data() + in_end_, in_.size() - in_end_, MSG_DONTWAIT);
  if (n > 0) {
    in_end_ += static_cast<size_t>(n);
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (in_begin_ == in_end_) {
    ssize_t n = ::recv(sock_, in_.data(), in_.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!is_readable()) return -1;
      n = ::recv(sock_, in_.data(), in_.size(), MSG_DONTWAIT);
    }
    if (n <= 0) return n;
    in_begin_ = 0;
    in_end_ = static_cast<size_t>(n);
  }
  const size_t n = std::min(size, in_end_ - in_begin_);
  std::memcpy(ptr, in_.data() + in_begin_, n);
  in_begin_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  const absl::string_view data(ptr, size);
  if (absl::StartsWith(data, "HTTP/1.")) response_closes_ |= SaysClose(data);
  if (hold_next_) {
    hold_next_ = false;
    held_.assign(ptr, size);
    return static_cast<ssize_t>(size);
  }
  bool sent;
  if (held_.empty()) {
    sent = SendAll(ptr, size);
  } else {
    held_.append(ptr, size);
    sent = Flush();
  }
  return sent ? static_cast<ssize_t>(size) : -1;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip,
                                              int& port) const {
  ip = peer_.address;
  port = peer_.port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = local_.address;
  port = local_.port;
}

bool ConnectionStream::SendAll(const char* data, size_t size) const {
  while (size > 0) {
    const ssize_t n = ::send(sock_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int ready = Wait(sock_, POLLOUT, write_timeout_);
      if (ready <= 0 || !(ready & POLLOUT)) return false;
    } else {
      return false;
    }
  }
  return true;
}
bool KeepAliveServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, Timeout(read_timeout_sec_, read_timeout_usec_),
                          Timeout(write_timeout_sec_, write_timeout_usec_));
  bool served = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.WaitForRequest(absl::Seconds(keep_alive_timeout_sec_),
                               svr_sock_)) {
      break;
    }
    bool closed = false;
    stream.HoldNextWrite();
    // The last request allowed on the connection is answered with
    // "Connection: close".
    served = process_request(stream, left == 1, closed, nullptr);
    served = stream.Flush() && served;
    if (!served || closed || stream.response_closes()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace rentwave::rest
