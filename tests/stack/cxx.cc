// cxx.cc - stack=N through C++ frames that can throw (tests/cases/93-stack.sh):
// their unwind entries carry a personality routine and an LSDA. main ->
// stk::catcher (try/catch) -> stk::may_throw (a destructor to run) -> stk_entry.
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

extern "C" int stk_entry(void *at);

namespace stk {
struct Guard {
	std::string name;
	explicit Guard(const char *n) : name(n) {}
	~Guard()
	{
		if (name.empty())
			std::puts("?");
	}
};

__attribute__((noinline)) int may_throw(void *at)
{
	Guard g("may_throw");
	int r = stk_entry(at);
	if (r != 17 /* EEXIST */)
		throw std::runtime_error("not refused");
	return r;
}

__attribute__((noinline)) int catcher(void *at)
{
	try {
		return may_throw(at) + 0;
	} catch (const std::exception &e) {
		std::printf("caught: %s\n", e.what());
		return -1;
	}
}
} // namespace stk

int main()
{
	void *at = reinterpret_cast<void *>(reinterpret_cast<std::uintptr_t>(&std::puts) & ~std::uintptr_t(4095));
	int r = stk::catcher(at);
	std::printf("result=%s\n", r == 17 ? "EEXIST" : "other");
	return 0;
}
