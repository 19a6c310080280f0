// host_cxx — tests/host.c compiled as C++: cfgreport.h's extern "C"
// guards let a C++ host link the C library (tests/integ/library_host.sh).
#include "host.c"
