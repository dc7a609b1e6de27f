// Force-included into every file of a ThreadSanitizer build (see the
// top-level CMakeLists.txt). Under __SANITIZE_THREAD__, protobuf 3.21's
// map_field.h gives MapFieldBase two extra members (seq1_, seq2_) that
// Debian's libprotobuf, built without TSan, does not have: inline code of
// ours and the library's code then disagree on the object's layout, and
// protobuf crashes on the first map field it syncs (TextFormat parsing a map,
// for one). So map_field.h is read here once, as the library saw it; the
// include guard keeps that version for the rest of the file.
#pragma once

// libstdc++'s configuration first, so that its TSan annotations
// (_GLIBCXX_TSAN) stay on.
#include <cstddef>

#pragma push_macro("__SANITIZE_THREAD__")
#undef __SANITIZE_THREAD__
#include <google/protobuf/map_field.h>
#pragma pop_macro("__SANITIZE_THREAD__")
