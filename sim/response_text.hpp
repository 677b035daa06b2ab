// The HTTP/1.x text of an answer, written in one piece so one TLS record carries it.
#pragma once

#include "sim/endpoints.hpp"

#include <string>

namespace nv::sim {

/// Replaces `out` with the status line, headers (Server, Content-Type, Content-Length,
/// Retry-After when set, Connection when it differs from the version's default) and body of
/// `a`; `version` is 10 or 11 as Beast counts. `out` keeps its capacity, so a reused string
/// spares an allocation per answer.
void write_response(std::string& out, const answer& a, unsigned version, bool keep_alive);

}  // namespace nv::sim
