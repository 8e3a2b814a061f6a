#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"

FIXTURE(fx) { int fd; };
FIXTURE_SETUP(fx) { self->fd = 1; }
FIXTURE_TEARDOWN(fx) { }

TEST_F(fx, passes) { EXPECT_EQ(1, self->fd); }
TEST_F(fx, fails) { EXPECT_EQ(2, self->fd) { TH_LOG("fd is %d", self->fd); } }
TEST_F(fx, skips) { SKIP(return, "no such feature on this kernel"); }
TEST(plain_pass) { ASSERT_EQ(0, 0); }
TEST_HARNESS_MAIN
