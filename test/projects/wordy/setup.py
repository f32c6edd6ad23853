from setuptools import setup, Extension

setup(
    name="wordy",
    packages=["wordy"],
    package_dir={"": "src"},
    ext_modules=[
        Extension(
            "wordy._count",
            sources=["src/wordy/_count.c", "src/wordy/tally.c"],
            include_dirs=["src/include"],
            define_macros=[("WORDY_SEPARATORS", '" \\t\\n"'), ("WORDY_FAST", None)],
            libraries=["m"],
        )
    ],
)
