// Texts followed by readable bytes, as the record code's hot paths may read past a text: the
// input line and the parser's buffers have such padding, a std::string_view of a literal not.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <utility>

namespace nv::record::testing {

/// Stores texts, each followed by the bytes `after`, and returns views of them without those
/// bytes. The views stay valid as long as the store.
class padded_texts {
 public:
  explicit padded_texts(std::string after) : after_(std::move(after)) {}

  std::string_view operator()(std::string_view text) {
    auto& stored = texts_.emplace_back(text);
    stored += after_;
    return std::string_view(stored).substr(0, text.size());
  }

 private:
  std::string after_;
  std::deque<std::string> texts_;
};

}  // namespace nv::record::testing
