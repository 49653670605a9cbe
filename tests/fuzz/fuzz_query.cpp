// Fuzz target: untrusted query bytes through the view, the error writer and answer checks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sprout/dns/message_writer.hpp"
#include "sprout/dns/query_view.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sprout::dns;
  const std::span<const std::uint8_t> wire(data, size);
  QueryView view;
  const ParseStatus status = parse_query(wire, view);
  std::array<std::uint8_t, 4096> out{};
  if (status != ParseStatus::drop_short && status != ParseStatus::drop_response) {
    (void)write_error(view, status == ParseStatus::badvers ? kRcodeBadVers : 1, out);
  }
  // The same bytes as an upstream "answer" to a fixed question.
  static const std::uint8_t kQuery[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
  QueryView fixed;
  if (parse_query(kQuery, fixed) == ParseStatus::ok) {
    std::vector<std::uint8_t> answer(data, data + size);
    if (restore_client_view(fixed, answer)) (void)truncate_answer(fixed, answer);
  }
  NameText name;
  for (std::size_t off = 0; off < size && off < 64; ++off) (void)read_name(wire, off, &name);
  return 0;
}
