from setuptools import setup, Extension

setup(
    name="duo",
    packages=["duo"],
    ext_modules=[
        Extension("duo._core", sources=["duo/_core.c"]),
        Extension("duo._api", sources=["duo/_api.c"]),
    ],
)
