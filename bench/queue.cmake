dlx_add_bench(NAME queue_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/queue_bench.cc LIBS dlexport::queue)
dlx_add_bench(NAME path_claims_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/path_claims_bench.cc
  LIBS dlexport::queue SQLite::SQLite3)
