dlx_add_bench(NAME dql_page_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/dql_page_bench.cc
  LIBS dlexport::dataloop dlexport::format GOLDEN)
