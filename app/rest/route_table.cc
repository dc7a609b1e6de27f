#include "app/rest/route_table.h"
