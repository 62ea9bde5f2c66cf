// The README's configuration reference is generated (`dlexport config docs`); this keeps the
// checked-in copy in sync with config::setting_docs().

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/docs.h"

namespace dlexport::app {
namespace {

TEST(ReadmeTest, ConfigurationTableMatchesTheSettings) {
  std::ifstream in(std::string(DLX_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in) << "README.md not found";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(settings_markdown()), std::string::npos)
      << "README.md's configuration table is stale; regenerate it with "
         "`build/bin/dlexport config docs` and paste it under \"## Configuration\":\n"
      << settings_markdown();
}

}  // namespace
}  // namespace dlexport::app
