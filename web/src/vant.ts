// Vant on demand: pages import the components they use from 'vant' (tree-shaken);
// this file brings in the CSS of exactly those components, once.
import 'vant/es/button/style/index'
import 'vant/es/cell/style/index'
import 'vant/es/cell-group/style/index'
import 'vant/es/empty/style/index'
import 'vant/es/field/style/index'
import 'vant/es/form/style/index'
import 'vant/es/loading/style/index'
import 'vant/es/nav-bar/style/index'
import 'vant/es/notice-bar/style/index'
import 'vant/es/radio/style/index'
import 'vant/es/radio-group/style/index'
import 'vant/es/tabbar/style/index'
import 'vant/es/tabbar-item/style/index'
import 'vant/es/tag/style/index'
// Function-style APIs used from pages (showToast, showConfirmDialog) need their CSS too.
import 'vant/es/toast/style/index'
import 'vant/es/dialog/style/index'
