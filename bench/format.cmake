dlx_add_bench(NAME format_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/format_bench.cc
  LIBS dlexport::format GOLDEN)
