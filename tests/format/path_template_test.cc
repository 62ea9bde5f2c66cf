#include "format/path_template.h"

#include <gtest/gtest.h>

namespace dlexport::format {
namespace {

Json item(std::string_view dir, std::string_view name) {
  return Json{{"id", "66a"}, {"datasetId", "66d"}, {"dir", dir}, {"name", name}};
}

std::string render(std::string_view tmpl, const Json& it) {
  auto t = PathTemplate::parse(tmpl);
  EXPECT_TRUE(t.has_value()) << t.status().to_string();
  auto path = t->render(it);
  EXPECT_TRUE(path.has_value()) << path.status().to_string();
  return path.value_or(std::string("<error>"));
}

TEST(PathStem, PythonSplitextRules) {
  EXPECT_EQ(path_stem("pic.v2.final.jpg"), "pic.v2.final");
  EXPECT_EQ(path_stem("archive.tar.gz"), "archive.tar");
  EXPECT_EQ(path_stem("README"), "README");
  EXPECT_EQ(path_stem(".hidden"), ".hidden");
  EXPECT_EQ(path_stem(".hidden.png"), ".hidden");
  EXPECT_EQ(path_stem("..hidden"), "..hidden");
  EXPECT_EQ(path_stem("noext."), "noext");
  EXPECT_EQ(path_stem("a..b.c"), "a..b");
  EXPECT_EQ(path_stem("IMG_0001.JPG"), "IMG_0001");
  EXPECT_EQ(path_ext("IMG_0001.JPG"), ".JPG");
  EXPECT_EQ(path_ext("README"), "");
}

TEST(PathTemplate, DefaultMatchesThePythonApp) {
  EXPECT_EQ(render(kDefaultPathTemplate, item("/a/b", "cat.jpg")), "/a/b/cat.json");
  EXPECT_EQ(render(kDefaultPathTemplate, item("/", "cat.jpg")), "/cat.json");
  EXPECT_EQ(render(kDefaultPathTemplate, item("a/b/", "x.tar.gz")), "/a/b/x.tar.json");
  EXPECT_EQ(render(kDefaultPathTemplate, item("/", ".hidden")), "/.hidden.json");
  EXPECT_EQ(render(kDefaultPathTemplate, item("/d", "noext.")), "/d/noext.json");
  EXPECT_EQ(render(kDefaultPathTemplate, item("/\xC3\xA9 t", "\xF0\x9F\x98\x80.png")),
            "/\xC3\xA9 t/\xF0\x9F\x98\x80.json");
  Json no_dir = item("/", "cat.jpg");
  no_dir.erase("dir");
  EXPECT_EQ(render(kDefaultPathTemplate, no_dir), "/cat.json");
}

TEST(PathTemplate, AllPlaceholders) {
  EXPECT_EQ(render("/exports/{dataset_id}/{id}{ext}.json", item("/a", "cat.jpg")),
            "/exports/66d/66a.jpg.json");
  EXPECT_EQ(render("{dir}/{name}.json", item("/a", "cat.jpg")), "/a/cat.jpg.json");
  EXPECT_EQ(render("out/{stem}", item("/a", "cat.jpg")), "/out/cat");
}

TEST(PathTemplate, ParseRejectsEscapesAndTypos) {
  struct Case {
    const char* tmpl;
    const char* mentions;
  };
  for (const Case& c :
       {Case{"", "empty"}, Case{"../{stem}.json", "'..'"}, Case{"{dir}/../{stem}.json", "'..'"},
        Case{"/./{stem}", "'.'"}, Case{"{dir}/{stme}.json", "unknown placeholder '{stme}'"},
        Case{"{dir}/{stem.json", "unclosed"}, Case{"{dir}}/x", "unmatched"},
        Case{"/static.json", "no placeholder"}, Case{"a\\{stem}", "backslash"},
        Case{"a\n{stem}", "control"}}) {
    auto t = PathTemplate::parse(c.tmpl);
    ASSERT_FALSE(t.has_value()) << c.tmpl;
    EXPECT_EQ(t.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.error().message().find(c.mentions), std::string::npos) << t.error().message();
  }
}

TEST(PathTemplate, RenderRejectsHostileItems) {
  auto t = PathTemplate::parse(kDefaultPathTemplate);
  ASSERT_TRUE(t.has_value());
  for (const Json& hostile : {item("/a/../../etc", "x.jpg"), item("/a", "../../x.jpg"),
                              item("/a", "x\ny.jpg"), item("/a\x01", "x.jpg"), item("/a", "")}) {
    auto path = t->render(hostile);
    ASSERT_FALSE(path.has_value()) << hostile.dump();
    EXPECT_EQ(path.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(path.error().message().find("66a"), std::string::npos) << path.error().message();
  }
  auto by_name = PathTemplate::parse("{dir}/{name}");
  ASSERT_TRUE(by_name.has_value());
  EXPECT_FALSE(by_name->render(item("/a", "..")).has_value());
  EXPECT_FALSE(by_name->render(item("/a", ".")).has_value());
}

}  // namespace
}  // namespace dlexport::format
