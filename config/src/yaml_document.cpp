// Reads a config text's document one at a time. yaml-cpp 0.7's LoadAll never returns on some
// malformed text (a ',' where a value should start: jbeder/yaml-cpp#1040, fixed in 0.8): its
// parser hands out the same empty document again and again without consuming a byte, and
// LoadAll collects them until memory runs out. Found by tests/fuzz/fuzz_config.
#include "yaml_document.hpp"

#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>

#include "sprout/config/printable.hpp"

namespace sprout::config::detail {
namespace {

// Where each document starts and where its first node is; nothing else is kept.
class DocumentMarks final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    std::optional<YAML::Mark> content;
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back({mark, std::nullopt}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { node(mark); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!documents.empty() && !documents.back().content) documents.back().content = mark;
  }
};

}  // namespace

DocumentRead read_document(std::string_view yaml) {
  const std::string text(yaml);
  DocumentMarks marks;
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    // Three documents at most: enough to see a second one, or a parser that stands still.
    for (int i = 0; i < 3 && parser.HandleNextDocument(marks); ++i) {
    }
  }
  DocumentRead out;
  const auto& docs = marks.documents;
  for (std::size_t i = 1; i < docs.size(); ++i) {
    if (docs[i].start.pos != docs[i - 1].start.pos) continue;
    out.stuck = docs[i].start;
    const auto pos = static_cast<std::size_t>(docs[i].start.pos);
    out.stuck_text = pos < text.size() ? printable(text.substr(pos, 1)) : std::string("end of text");
    return out;
  }
  if (docs.size() > 1) out.second = docs[1].content.value_or(docs[1].start);
  out.root = YAML::Load(text);  // the first document; bounded, unlike LoadAll
  return out;
}

}  // namespace sprout::config::detail
