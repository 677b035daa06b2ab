// The JSON report written beside a file that ended in done/ or failed/.
#pragma once

#include "nv/watch/file_import.hpp"
#include "nv/watch/inbox.hpp"

#include <string>
#include <string_view>

namespace nv::watch {

/// Returns the report of a file: where it came from and went, the outcome and its reason,
/// when and how long, where it resumed, records by outcome and reject code, and requests.
/// One JSON object and a newline.
std::string file_report_json(std::string_view original_name, const ended_file& where, file_end end,
                             const file_outcome& outcome);

}  // namespace nv::watch
