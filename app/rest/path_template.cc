#include "app/rest/path_template.h"
