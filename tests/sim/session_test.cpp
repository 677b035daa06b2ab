// Integration tests of nvsim's connection handling at the byte level: bodies in pieces,
// pipelining, chunked bodies, the body limit, HTTP/1.0, and the per-step deadline. A raw TLS
// socket in Python writes exactly the bytes each case needs.
#include "sim/sim_client.hpp"
#include "support/child_process.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

using namespace nv::test;
using namespace std::chrono_literals;

namespace {

// Python that opens a verified TLS connection `s` to nvsim (argv 1: CA file, argv 2: port), with
// helpers to build a create request and read answers; each case appends its own steps.
constexpr std::string_view prelude = R"(
import json, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[1])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2]))),
                    server_hostname="127.0.0.1")
s.settimeout(20)
def body(prefix, n):
    return json.dumps({"nv": [{"userID": f"{prefix}{i}", "user_attributes": {"plan": "gold"}}
                              for i in range(n)]}).encode()
def request(data, extra=b"", version=b"1.1"):
    return (b"POST /api/v1/user/create HTTP/" + version + b"\r\nHost: x\r\n"
            b"x-api-key: test-key\r\nx-brand-id: 1\r\ncontent-type: application/json\r\n" +
            extra + b"content-length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
pending = b""
def answer():
    """Returns (status line, headers dict, body) of the next answer on s."""
    global pending
    while b"\r\n\r\n" not in pending:
        chunk = s.recv(65536)
        if not chunk: raise EOFError("closed before an answer")
        pending += chunk
    head, pending = pending.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    n = int(headers["content-length"])
    while len(pending) < n:
        chunk = s.recv(65536)
        if not chunk: raise EOFError("closed inside an answer")
        pending += chunk
    out, pending = pending[:n], pending[n:]
    return lines[0], headers, json.loads(out)["response"]
def closed():
    """Returns whether the server closed the connection (reading nothing more)."""
    try:
        return s.recv(1) == b""
    except (ssl.SSLError, ConnectionResetError):
        return True
)";

// Runs `steps` after the prelude against `nvsim`; returns what the script printed.
std::string run_python(nvsim_process& nvsim, std::string_view steps) {
  child_process python("/usr/bin/env", {"python3", "-c", std::string(prelude) + std::string(steps),
                                        nvsim.ca_file().string(), std::to_string(nvsim.port())});
  auto out = python.read_stdout_to_end(30s);
  CHECK(python.wait(30s) == 0);
  if (!python.stderr_text().empty()) MESSAGE(python.stderr_text());
  return out;
}

}  // namespace

TEST_CASE("a body that arrives in pieces, and a request split inside its header, are read whole") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off"});
  auto out = run_python(nvsim, R"(
r = request(body("piece-", 100))
cut = r.index(b"\r\n\r\n") + 10
for part in (r[:20], r[20:cut], r[cut:cut + 5000], r[cut + 5000:]):
    s.sendall(part)
    time.sleep(0.05)  # Separate TLS records and TCP segments, so each arrives on its own.
print(answer()[2]["message"])
)");
  CHECK(out == "100 users processed\n");
  CHECK(nvsim.users().size() == 100);
}

TEST_CASE("pipelined requests in one write get their answers in order") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off"});
  auto out = run_python(nvsim, R"(
s.sendall(request(body("a-", 3)) + request(body("b-", 2)) + request(b'{"nv":[]}'))
for _ in range(3):
    line, headers, response = answer()
    print(line, response["message"])
)");
  CHECK(out ==
        "HTTP/1.1 200 OK 3 users processed\n"
        "HTTP/1.1 200 OK 2 users processed\n"
        "HTTP/1.1 400 Bad Request Error: nv must hold 1-100 users, not 0\n");
  CHECK(nvsim.users().size() == 5);
}

TEST_CASE("a chunked body is read through the parser and checked like any other") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off"});
  auto out = run_python(nvsim, R"(
data = body("chunked-", 4)
head = (b"POST /api/v1/user/create HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n"
        b"x-brand-id: 1\r\ntransfer-encoding: chunked\r\n\r\n")
chunks = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + 50]), data[i:i + 50])
                  for i in range(0, len(data), 50))
s.sendall(head + chunks + b"0\r\n\r\n")
print(answer()[2]["message"])
s.sendall(head + b"5\r\n{\"nv\"\r\n0\r\n\r\n")
print(answer()[2]["message"])
)");
  CHECK(out == "4 users processed\nError: malformed JSON: improper structure\n");
  CHECK(nvsim.users().size() == 4);
}

TEST_CASE("a declared body beyond the limit gets 413 and the connection closes") {
  nvsim_process nvsim(NV_NVSIM_PATH);
  auto out = run_python(nvsim, R"(
s.sendall(b"POST /api/v1/user/create HTTP/1.1\r\nHost: x\r\ncontent-length: 16777217\r\n\r\n")
line, headers, response = answer()
print(line, headers.get("connection"), response["message"], closed())
)");
  CHECK(out == "HTTP/1.1 413 Payload Too Large close Error: body too large True\n");
}

TEST_CASE("HTTP/1.0 and Connection: close get their answer, then the connection closes") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off"});
  auto out = run_python(nvsim, R"(
s.sendall(request(body("old-", 1), version=b"1.0"))
line, headers, response = answer()
print(line, headers.get("connection"), response["status"], closed())
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2]))),
                    server_hostname="127.0.0.1")
pending = b""
s.sendall(request(body("new-", 1), extra=b"connection: close\r\n"))
line, headers, response = answer()
print(line, headers.get("connection"), response["status"], closed())
)");
  CHECK(out == "HTTP/1.0 200 OK None success True\nHTTP/1.1 200 OK close success True\n");
  CHECK(nvsim.users().size() == 2);
}

TEST_CASE("--io-timeout bounds each step: a silent client is cut off, a steady one is not") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off", "--io-timeout", "1"});
  auto out = run_python(nvsim, R"(
# Steady: a request every 0.6 s for 2.4 s in all, longer than the timeout, on one connection.
for i in range(5):
    if i: time.sleep(0.6)
    s.sendall(request(body(f"steady-{i}-", 1)))
    answer()
print("steady answered 5")
# Silent: half a header, then nothing; the server must close within about a second.
start = time.monotonic()
s.sendall(b"POST /api/v1/user/create HTTP/1.1\r\n")
print("silent closed", closed(), 0.8 < time.monotonic() - start < 5)
)");
  CHECK(out == "steady answered 5\nsilent closed True True\n");
}

TEST_CASE("a --delay-ms pause longer than --io-timeout is not cut off as a slow step") {
  nvsim_process nvsim(NV_NVSIM_PATH,
                      {"--rate", "off", "--io-timeout", "1", "--delay-ms", "1600..1600"});
  auto out = run_python(nvsim, R"(
start = time.monotonic()
s.sendall(request(body("late-", 1)))
print(answer()[2]["message"], time.monotonic() - start >= 1.6)
)");
  CHECK(out == "1 users processed True\n");
}
