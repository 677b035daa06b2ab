// The error of the checkpoint concern: one line naming what failed, where and why.
#pragma once

#include <boost/system/result.hpp>

#include <string>

namespace nv::checkpoint {

/// Why a file could not be identified or a checkpoint could not be read, e.g.
/// "checkpoint \"/var/lib/nvimport/checkpoints/2049-131.json\": not valid JSON (syntax error)".
struct checkpoint_error {
  std::string message;
};

/// Throws the error as std::runtime_error; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const checkpoint_error& error,
                                             const boost::source_location& where);

}  // namespace nv::checkpoint
