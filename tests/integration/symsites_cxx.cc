// symsites_cxx: a C++ program for `allocswap sites` (symsites_cxx.sh): its
// sites are a member function of a class template in a namespace, whose
// new T[64] reaches malloc through libstdc++'s operator new[] (which g++ 12's
// libstdc++ tail-calls to operator new), and a std::vector growing.  The
// names people read are the demangled ones.
#include <cstdio>
#include <vector>

namespace shapes {
template <typename T> struct Grower {
	std::vector<T *> kept;
	__attribute__((noinline)) void grow(unsigned long n)
	{
		for (unsigned long i = 0; i < n; i++)
			kept.push_back(new T[64]); // SITE:grow
	}
	~Grower()
	{
		for (T *p : kept)
			delete[] p;
	}
};
} // namespace shapes

int main()
{
	shapes::Grower<double> g;
	g.grow(40000); // 40000 blocks of 512 bytes: about 20 MB
	std::printf("%zu\n", g.kept.size());
	return 0;
}
