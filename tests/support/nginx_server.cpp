// An nginx load balancer for tests (see nginx_server.hpp).
#include "nginx_server.hpp"

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "redis_server.hpp"  // free_tcp_port
#include "sse_client.hpp"

namespace testsupport {
namespace {

std::string config(const std::string& dir, int port, const std::vector<int>& upstreams) {
  std::string servers;
  for (int p : upstreams) servers += "    server 127.0.0.1:" + std::to_string(p) + " max_fails=1 fail_timeout=2s;\n";
  return "worker_processes 1;\n"
         "daemon off;\n"
         "pid " + dir + "/nginx.pid;\n"
         "error_log " + dir + "/error.log warn;\n"
         "events { worker_connections 256; }\n"
         "http {\n"
         "  access_log off;\n"
         "  client_body_temp_path " + dir + "/body;\n"
         "  proxy_temp_path " + dir + "/proxy;\n"
         "  fastcgi_temp_path " + dir + "/fastcgi;\n"
         "  uwsgi_temp_path " + dir + "/uwsgi;\n"
         "  scgi_temp_path " + dir + "/scgi;\n"
         "  upstream ssetool {\n" + servers + "  }\n"
         "  server {\n"
         "    listen 127.0.0.1:" + std::to_string(port) + ";\n"
         "    location / {\n"
         "      proxy_pass http://ssetool;\n"
         "      proxy_http_version 1.1;\n"
         "      proxy_set_header Connection \"\";\n"
         "      proxy_buffering off;\n"
         "      proxy_read_timeout 1h;\n"
         "      proxy_next_upstream error timeout http_503;\n"
         "    }\n"
         "  }\n"
         "}\n";
}

}  // namespace

NginxServer::NginxServer(const std::vector<int>& upstream_ports) : port_(free_tcp_port()) {
  std::ofstream(dir_.file("nginx.conf")) << config(dir_.path(), port_, upstream_ports);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"nginx", "-p", dir_.path(), "-c", dir_.file("nginx.conf")});
  auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
  for (;;) {
    try {
      http_request(port_, "GET", "/healthz", {}, {}, 1s);
      return;
    } catch (const std::runtime_error&) {
    }
    if (process_->exit_status() || std::chrono::steady_clock::now() > deadline) {
      std::ifstream log(dir_.file("error.log"));
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      throw std::runtime_error("nginx did not start: " + process_->stderr_text() + text);
    }
    std::this_thread::sleep_for(20ms);
  }
}

NginxServer::~NginxServer() {
  process_->signal(SIGQUIT);
  process_->wait(kDefaultTimeout);
}

}  // namespace testsupport
