// Sockets the black-box tests hold to stage port conflicts.
#pragma once

namespace rentwave::blackbox {

// A TCP socket bound to 127.0.0.1 on a kernel-chosen port (without
// SO_REUSEPORT); listening or not. Closed on destruction.
class HeldPort {
 public:
  explicit HeldPort(bool listen);
  ~HeldPort();
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace rentwave::blackbox
