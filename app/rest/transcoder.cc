#include "app/rest/transcoder.h"
