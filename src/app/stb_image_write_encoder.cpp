// The one compiled copy of stb_image_write (PNG thumbnails in reports, PNG test images).
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
