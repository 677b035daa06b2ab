// The error of the checkpoint concern, thrown only where a caller asks for value().
#include "nv/checkpoint/checkpoint_error.hpp"

#include <stdexcept>

namespace nv::checkpoint {

void throw_exception_from_error(const checkpoint_error& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

}  // namespace nv::checkpoint
