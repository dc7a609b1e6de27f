// The gateway's plain-HTTP server: cpp-httplib's request parsing, routing
// and responses, with a connection loop of RentWave's own.
//
// httplib 0.11's loop spends about twelve system calls on a keep-alive
// request: it waits for the next request in 10 ms polls, polls before every
// read, polls twice before every write (writable, then a liveness peek),
// asks for both addresses of the connection again per request, and sends the
// status line and headers apart from the body: two packets, so the client
// wakes twice. This loop learns the addresses once per connection, reads
// through a buffer kept for the whole connection (pipelined requests are not
// lost between requests either), and sends the header block together with
// the first bytes of the body: a poll, a recv and a send per request.
//
// HTTPS keeps httplib's SSLServer, whose loop is its own.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <atomic>
#include <string>

#include "absl/time/time.h"
#include "app/rest/socket_workarounds.h"

namespace rentwave::rest {

// httplib's view of one connection, for every request on it. Reads go
// through a buffer that lives as long as the connection. The first write
// after HoldNextWrite (httplib writes a response's status line and headers
// in one write, its body in the next) is held and leaves with the next
// write; held bytes are also sent before anything that could wait (a read,
// is_readable, is_writable) and by Flush, so an interim "100 Continue" or a
// stream's headers never wait for the body. Writes send everything or fail
// (-1); a full socket buffer is waited on up to the write timeout, as an
// empty one is on reads up to the read timeout. Not thread-safe: one
// request at a time.
class ConnectionStream final : public httplib::Stream {
 public:
  // Takes `sock`'s addresses once; does not own it.
  ConnectionStream(int sock, absl::Duration read_timeout,
                   absl::Duration write_timeout);

  // Waits up to `keep_alive` for the next request (or the client closing):
  // false on timeout, on error, or once `listening` is closed (the server
  // stops; looked at every 100 ms).
  bool WaitForRequest(absl::Duration keep_alive,
                      const std::atomic<socket_t>& listening) const;
  // A new request: holds the next write (its response's header block).
  void HoldNextWrite() {
    hold_next_ = true;
    response_closes_ = false;
  }
  // Whether a header block written since HoldNextWrite (an interim 1xx or
  // the final one) says "Connection: close".
  bool response_closes() const { return response_closes_; }
  // Sends held bytes. False if the connection failed.
  bool Flush() const;

  bool is_readable() const override;
  // Writable, and the client has not closed its end: what httplib checks
  // too, so that a stream's content provider stops once the client left.
  // Bytes the client sent meanwhile are read ahead for the next request,
  // so an end after them is seen by the next call.
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

 private:
  bool SendAll(const char* data, size_t size) const;

  const int sock_;
  const absl::Duration read_timeout_;
  const absl::Duration write_timeout_;
  Endpoint peer_, local_;
  // in_[in_begin_, in_end_): read, not yet taken (is_writable reads ahead)
  mutable std::string in_;
  mutable size_t in_begin_ = 0, in_end_ = 0;
  bool hold_next_ = false;
  bool response_closes_ = false;
  mutable std::string held_;  // is_readable and is_writable are const
};

// httplib answers some malformed requests itself without reading all of
// them (400 for a bad request line, headers or chunked body; 413 for a body
// over the limit; 414...): its answer has no body until an error handler
// gives it one. For such an answer this adds "Connection: close", so that
// the loop below closes the connection rather than read the rest of the
// request as a new one (request smuggling). For an error handler.
void CloseAfterHttplibError(const httplib::Request& req,
                            httplib::Response& res);

class KeepAliveServer final : public httplib::Server {
 public:
  // Installs an error handler that calls CloseAfterHttplibError; one that
  // replaces it must call it too.
  KeepAliveServer();

 private:
  // Serves requests on `sock` until the client closes it, it stays idle for
  // the keep-alive timeout, it has served the keep-alive maximum, a request
  // fails or its response says "Connection: close", or the server stops;
  // then closes it. Runs on a worker thread.
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace rentwave::rest
