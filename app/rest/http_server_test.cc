// ConnectionStream over a socket pair (what it sends when, reads, timeouts,
// a client that left) and KeepAliveServer over TCP (pipelining, keep-alive
// limits, 100-continue, addresses, stopping).
#include "app/rest/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/match.h"

namespace rentwave::rest {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// What arrives on `fd` within `timeout` in one recv ("" if nothing).
std::string RecvOnce(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return "";
  char buf[65536];
  ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// Everything that arrives on `fd` until `done(received)`, the end of the
// stream (then *closed is set, if given) or `timeout_ms`.
template <typename Done>
std::string RecvUntil(int fd, int timeout_ms, Done done,
                      bool* closed = nullptr) {
  std::string received;
  const auto deadline = steady_clock::now() + milliseconds(timeout_ms);
  while (!done(received) && steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (closed != nullptr) *closed = n == 0;
      break;
    }
    received.append(buf, static_cast<size_t>(n));
  }
  return received;
}

// Everything until the server closes the connection (at most 5 s); whether
// it did.
std::string RecvToEnd(int fd, bool* closed) {
  *closed = false;
  return RecvUntil(
      fd, 5000, [](const std::string&) { return false; }, closed);
}

bool Send(int fd, const std::string& data) {
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

class ConnectionStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
  }
  void TearDown() override {
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  ConnectionStream Stream(int read_ms = 2000, int write_ms = 2000) {
    return ConnectionStream(fds_[0], absl::Milliseconds(read_ms),
                            absl::Milliseconds(write_ms));
  }
  int peer() const { return fds_[1]; }
  void ClosePeer() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }

  int fds_[2] = {-1, -1};
};

TEST(ConnectionStreamSendsTest, HeldHeaderBlockLeavesWithTheBodyInOneSend) {
  // Packets keep each send apart, where a stream socket would merge them.
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  ConnectionStream stream(fds[0], absl::Seconds(2), absl::Seconds(2));
  stream.HoldNextWrite();
  ASSERT_EQ(stream.write("HTTP/1.1 200 OK\r\n\r\n", 19), 19);
  EXPECT_EQ(RecvOnce(fds[1], 50), "") << "the header block was not held";
  ASSERT_EQ(stream.write("body", 4), 4);
  EXPECT_EQ(RecvOnce(fds[1], 1000), "HTTP/1.1 200 OK\r\n\r\nbody");
  ASSERT_EQ(stream.write("more", 4), 4);  // only the next write is held
  EXPECT_EQ(RecvOnce(fds[1], 1000), "more");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(ConnectionStreamTest, KnowsWhetherTheResponseClosesTheConnection) {
  ConnectionStream stream = Stream();
  stream.HoldNextWrite();
  EXPECT_FALSE(stream.response_closes());
  ASSERT_EQ(stream.write("HTTP/1.1 100 Continue\r\n\r\n", 25), 25);
  EXPECT_FALSE(stream.response_closes());
  const std::string closing =
      "HTTP/1.1 413 Payload Too Large\r\nconnection: Close\r\n\r\n";
  ASSERT_EQ(stream.write(closing.data(), closing.size()),
            static_cast<ssize_t>(closing.size()));
  EXPECT_TRUE(stream.response_closes());
  const std::string body = "HTTP/1.1 200 OK\r\nConnection: keep-alive";
  ASSERT_EQ(stream.write(body.data(), body.size()),
            static_cast<ssize_t>(body.size()));
  EXPECT_TRUE(stream.response_closes());  // a body cannot take it back
  stream.HoldNextWrite();                 // the next request
  EXPECT_FALSE(stream.response_closes());
}

TEST_F(ConnectionStreamTest, FlushSendsAHeldResponseThatHasNoBody) {
  ConnectionStream stream = Stream();
  stream.HoldNextWrite();
  ASSERT_EQ(stream.write("HTTP/1.1 204 No Content\r\n\r\n", 27), 27);
  EXPECT_TRUE(stream.Flush());
  EXPECT_EQ(RecvOnce(peer(), 1000), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST_F(ConnectionStreamTest, HeldBytesLeaveBeforeTheStreamWaitsToRead) {
  // A client that sent "Expect: 100-continue" sends its body only once it
  // has the interim response.
  ConnectionStream stream = Stream();
  std::thread client([this] {
    if (RecvOnce(peer(), 2000) == "HTTP/1.1 100 Continue\r\n\r\n") {
      Send(peer(), "x");
    }
  });
  stream.HoldNextWrite();
  ASSERT_EQ(stream.write("HTTP/1.1 100 Continue\r\n\r\n", 25), 25);
  char c = 0;
  EXPECT_EQ(stream.read(&c, 1), 1);
  EXPECT_EQ(c, 'x');
  client.join();
}

TEST_F(ConnectionStreamTest, HeldBytesLeaveBeforeAWritabilityCheck) {
  // A streamed response: its headers go out before the first message.
  ConnectionStream stream = Stream();
  stream.HoldNextWrite();
  ASSERT_EQ(stream.write("HTTP/1.1 200 OK\r\n\r\n", 19), 19);
  EXPECT_TRUE(stream.is_writable());
  EXPECT_EQ(RecvOnce(peer(), 1000), "HTTP/1.1 200 OK\r\n\r\n");
}

TEST_F(ConnectionStreamTest, ReadsKeepWhatOneRecvBroughtUntilTaken) {
  ConnectionStream stream = Stream();
  ASSERT_TRUE(Send(peer(), "abcdef"));
  ClosePeer();
  char buf[16] = {};
  ASSERT_EQ(stream.read(buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "ab");
  EXPECT_TRUE(stream.is_readable());
  ASSERT_EQ(stream.read(buf, sizeof(buf)), 4);
  EXPECT_EQ(std::string(buf, 4), "cdef");
  EXPECT_EQ(stream.read(buf, sizeof(buf)), 0);  // then the end
}

TEST_F(ConnectionStreamTest, ReadGivesUpAfterTheReadTimeout) {
  ConnectionStream stream = Stream(/*read_ms=*/100);
  char c;
  const auto start = steady_clock::now();
  EXPECT_EQ(stream.read(&c, 1), -1);
  EXPECT_GE(steady_clock::now() - start, milliseconds(90));
}

TEST_F(ConnectionStreamTest, WritableUntilThePeerCloses) {
  ConnectionStream stream = Stream();
  EXPECT_TRUE(stream.is_writable());
  ASSERT_TRUE(Send(peer(), "GET"));  // a pipelined request: still there
  EXPECT_TRUE(stream.is_writable());
  char buf[3];
  ASSERT_EQ(stream.read(buf, 3), 3);
  ClosePeer();
  EXPECT_FALSE(stream.is_writable());
}

TEST_F(ConnectionStreamTest, WriteWaitsForASlowReaderAndSendsEverything) {
  ConnectionStream stream = Stream();
  const std::string big(4 << 20, 'z');  // far more than a socket buffer
  std::string received;
  std::thread reader([&] {
    std::this_thread::sleep_for(milliseconds(100));
    received = RecvUntil(peer(), 10000, [&](const std::string& r) {
      return r.size() >= big.size();
    });
  });
  EXPECT_EQ(stream.write(big.data(), big.size()),
            static_cast<ssize_t>(big.size()));
  reader.join();
  EXPECT_EQ(received.size(), big.size());
  EXPECT_EQ(received, big);
}

TEST_F(ConnectionStreamTest, WriteFailsAfterTheWriteTimeoutIfNobodyReads) {
  ConnectionStream stream = Stream(2000, /*write_ms=*/100);
  const std::string big(16 << 20, 'z');
  const auto start = steady_clock::now();
  EXPECT_EQ(stream.write(big.data(), big.size()), -1);
  EXPECT_GE(steady_clock::now() - start, milliseconds(90));  // it waited
  EXPECT_LT(steady_clock::now() - start, milliseconds(5000));
}

// Both ends of a TCP connection on the loopback interface.
struct TcpConnection {
  TcpConnection() {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        ::listen(listener, 1) == 0 &&
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      client = ::socket(AF_INET, SOCK_STREAM, 0);
      if (::connect(client, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
        served = ::accept(listener, nullptr, nullptr);
      }
    }
    ::close(listener);
  }
  ~TcpConnection() {
    if (served >= 0) ::close(served);
    if (client >= 0) ::close(client);
  }
  static int Port(int fd) {
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
  }
  int served = -1;  // the server's end
  int client = -1;
};

TEST(ConnectionStreamTcpTest, AddressesOfAnInternetSocket) {
  TcpConnection tcp;
  ASSERT_GE(tcp.served, 0);
  ConnectionStream stream(tcp.served, absl::Seconds(1), absl::Seconds(1));
  std::string ip;
  int port = 0;
  stream.get_remote_ip_and_port(ip, port);
  EXPECT_EQ(ip, "127.0.0.1");
  EXPECT_EQ(port, TcpConnection::Port(tcp.client));
  stream.get_local_ip_and_port(ip, port);
  EXPECT_EQ(ip, "127.0.0.1");
  EXPECT_EQ(port, TcpConnection::Port(tcp.served));
  EXPECT_EQ(stream.socket(), tcp.served);
}

TEST(ConnectionStreamTcpTest, NoticesAClientThatLeftAfterSendingMore) {
  // A client that sent the start of another request, then closed: its FIN
  // comes after bytes that a peek would see forever.
  TcpConnection tcp;
  ASSERT_GE(tcp.served, 0);
  ConnectionStream stream(tcp.served, absl::Seconds(1), absl::Seconds(1));
  ASSERT_TRUE(Send(tcp.client, "GET /next"));
  ::shutdown(tcp.client, SHUT_WR);
  std::this_thread::sleep_for(milliseconds(50));  // the FIN arrives
  const bool first = stream.is_writable();        // may take the bytes
  EXPECT_FALSE(first && stream.is_writable());
  char buf[16] = {};
  ASSERT_EQ(stream.read(buf, sizeof(buf)), 9);  // the bytes were kept
  EXPECT_EQ(std::string(buf, 9), "GET /next");
}

class KeepAliveServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/echo/(.*)",
                [](const httplib::Request& req, httplib::Response& res) {
                  res.set_content(req.matches[1].str(), "text/plain");
                });
    server_.Get("/whoami", [](const httplib::Request& req,
                              httplib::Response& res) {
      res.set_content(req.remote_addr + ":" + std::to_string(req.remote_port),
                      "text/plain");
    });
    server_.Post("/echo",
                 [](const httplib::Request& req, httplib::Response& res) {
                   res.set_content(req.body, "text/plain");
                 });
  }
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  // A new connection to the server.
  int Connect() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
              0);
    return fd;
  }
  static std::string Get(const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
  }

  KeepAliveServer server_;
  std::thread thread_;
  int port_ = 0;
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST_F(KeepAliveServerTest, AnswersPipelinedRequestsInOrder) {
  Start();
  int fd = Connect();
  ASSERT_TRUE(Send(fd, Get("/echo/first") + Get("/echo/second")));
  std::string got = RecvUntil(fd, 5000, [](const std::string& r) {
    return absl::EndsWith(r, "second");
  });
  EXPECT_EQ(Count(got, "HTTP/1.1 200 OK"), 2u) << got;
  EXPECT_LT(got.find("first"), got.find("second")) << got;
  ::close(fd);
}

TEST_F(KeepAliveServerTest, TheLastRequestAllowedClosesTheConnection) {
  server_.set_keep_alive_max_count(2);
  server_.set_keep_alive_timeout(30);  // so that only the count can close it
  Start();
  int fd = Connect();
  ASSERT_TRUE(Send(fd, Get("/echo/one")));
  std::string first = RecvUntil(
      fd, 5000, [](const std::string& r) { return absl::EndsWith(r, "one"); });
  EXPECT_TRUE(absl::StrContains(first, "Keep-Alive")) << first;
  ASSERT_TRUE(Send(fd, Get("/echo/two")));
  bool closed = false;
  std::string second = RecvToEnd(fd, &closed);
  EXPECT_TRUE(closed) << "the connection stayed open";
  EXPECT_TRUE(absl::StrContains(second, "Connection: close")) << second;
  EXPECT_TRUE(absl::EndsWith(second, "two")) << second;
  ::close(fd);
}

TEST_F(KeepAliveServerTest, WhatFollowsARequestItCouldNotReadIsNotParsed) {
  server_.set_keep_alive_timeout(30);
  server_.set_payload_max_length(8);
  Start();
  const std::string smuggled = Get("/echo/smuggled");
  // A method httplib does not know (400, its body unread), then a body
  // over the limit (413, unread): each body is a request of its own.
  for (const std::string& request :
       {"TRACE / HTTP/1.1\r\nHost: test\r\nContent-Length: " +
            std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: "
        "text/plain\r\nContent-Length: " +
            std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled}) {
    int fd = Connect();
    ASSERT_TRUE(Send(fd, request));
    bool closed = false;
    std::string got = RecvToEnd(fd, &closed);
    EXPECT_TRUE(closed) << got;
    EXPECT_EQ(Count(got, "HTTP/1.1 "), 1u) << got;
    EXPECT_TRUE(absl::StartsWith(got, "HTTP/1.1 400") ||
                absl::StartsWith(got, "HTTP/1.1 413"))
        << got;
    EXPECT_FALSE(absl::StrContains(got, "smuggled")) << got;
    ::close(fd);
  }
}

TEST_F(KeepAliveServerTest, InterimContinueComesBeforeTheBodyIsSent) {
  Start();
  int fd = Connect();
  ASSERT_TRUE(Send(fd,
                   "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: "
                   "text/plain\r\nContent-Length: 5\r\nExpect: "
                   "100-continue\r\n\r\n"));
  std::string interim = RecvUntil(fd, 2000, [](const std::string& r) {
    return absl::StrContains(r, "\r\n\r\n");
  });
  EXPECT_TRUE(absl::StartsWith(interim, "HTTP/1.1 100 Continue")) << interim;
  ASSERT_TRUE(Send(fd, "hello"));
  std::string final_response = RecvUntil(fd, 5000, [](const std::string& r) {
    return absl::EndsWith(r, "hello");
  });
  EXPECT_TRUE(absl::StrContains(final_response, "HTTP/1.1 200 OK"))
      << final_response;
  ::close(fd);
}

TEST_F(KeepAliveServerTest, HandlersSeeTheClientAddress) {
  Start();
  int fd = Connect();
  sockaddr_in mine{};
  socklen_t len = sizeof(mine);
  getsockname(fd, reinterpret_cast<sockaddr*>(&mine), &len);
  const std::string expected =
      "127.0.0.1:" + std::to_string(ntohs(mine.sin_port));
  ASSERT_TRUE(Send(fd, Get("/whoami")));
  std::string got = RecvUntil(fd, 5000, [&](const std::string& r) {
    return absl::EndsWith(r, expected);
  });
  EXPECT_TRUE(absl::EndsWith(got, expected)) << got;
  ::close(fd);
}

TEST_F(KeepAliveServerTest, StopsPromptlyWithIdleKeepAliveConnections) {
  Start();
  int fd = Connect();
  ASSERT_TRUE(Send(fd, Get("/echo/idle")));
  RecvUntil(fd, 5000,
            [](const std::string& r) { return absl::EndsWith(r, "idle"); });
  const auto start = steady_clock::now();
  server_.stop();
  thread_.join();
  // httplib's own loop keeps an idle connection until its 5 s keep-alive
  // timeout; this one looks every 100 ms.
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  ::close(fd);
}

}  // namespace
}  // namespace rentwave::rest
