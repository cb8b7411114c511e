/* global window, document, location, history, localStorage, URLSearchParams, TextEncoder, btoa, crypto, CSS */
/*
 * The dev host page: runs the built widget (dist/widget, served at /dev/widget/) the way amoCRM does.
 *
 *  1. GET /dev/host/config.json — integration id/secret, token audience, vendor account, admin ids.
 *  2. Identity and area come from the toolbar / query string (?identity=partner|client|staff|admin|custom
 *     &account=&user=&subdomain=&name=&brand=amocrm|kommo&lang=ru|en&area=lcard|ccard|comcard|settings|
 *     advanced_settings&client=<client account id in the card field>&token=valid|expired|bad_signature|
 *     wrong_audience|none&code=<widget code>&backend=<backend_url>&field=<account_id_field>).
 *  3. Fetch manifest.json and i18n/<lang>.json, load script.js through the AMD loader, mix amoCRM's
 *     widget API into the constructor's prototype, `new Widget()`.
 *  4. Per area: callbacks.render → init → bind_actions (each must return true; init only once when
 *     manifest.widget.init_once), then settings($modal_body) or advancedSettings(). Leaving an area
 *     calls destroy, then checks that the widget left nothing rendered behind.
 * `window.__amopHost` exposes the log and `switchArea(area)` for browser tests.
 */
(function () {
  'use strict';

  var $ = window.jQuery;
  var DEFAULT_WIDGET_CODE = 'partners_widget_dev';
  var DEFAULT_ACCOUNT_ID_FIELD = '900001';
  var AREAS = {
    lcard: { kind: 'card', widgetsArea: 'leads_card', entity: 'leads', title: 'Сделка #4201 · Lead #4201' },
    ccard: {
      kind: 'card',
      widgetsArea: 'contacts_card',
      entity: 'contacts',
      title: 'Контакт #5301 · Contact #5301',
    },
    comcard: {
      kind: 'card',
      widgetsArea: 'companies_card',
      entity: 'companies',
      title: 'Компания #6401 · Company #6401',
    },
    settings: { kind: 'settings', widgetsArea: 'widgetsSettings' },
    advanced_settings: { kind: 'advanced', widgetsArea: 'advanced_settings' },
  };
  var CARD_IDS = { lcard: 4201, ccard: 5301, comcard: 6401 };

  var query = new URLSearchParams(location.search);
  var workspace = document.getElementById('host-workspace');
  var statusEl = document.getElementById('host-status');
  var logEl = document.getElementById('host-log');
  var toolbar = document.getElementById('host-toolbar');

  var host = (window.__amopHost = {
    log: [],
    calls: [],
    errors: [],
    destroys: [],
    area: null,
    state: null,
    config: null,
    instance: null,
    ready: null,
    switchArea: switchArea,
  });

  var config = null;
  var state = null;
  var manifest = null;
  var langs = null;
  var instance = null;
  var initDone = false;
  var settingsStoreKey = null;

  // ---------------------------------------------------------------- log

  function log(level, message, data) {
    var entry = { at: new Date().toISOString(), level: level, message: message, data: data };
    host.log.push(entry);
    if (level === 'error') host.errors.push(entry);
    var li = document.createElement('li');
    li.setAttribute('data-level', level);
    li.textContent =
      entry.at.slice(11, 23) + '  ' + message + (data !== undefined ? '  ' + safeJson(data) : '');
    logEl.appendChild(li);
    logEl.scrollTop = logEl.scrollHeight;
    (level === 'error' ? console.error : console.log)('[host] ' + message, data === undefined ? '' : data);
  }

  function safeJson(v) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    if (isError) statusEl.setAttribute('data-error', '');
    else statusEl.removeAttribute('data-error');
  }

  window.addEventListener('error', function (e) {
    log('error', 'uncaught: ' + e.message);
  });
  window.addEventListener('unhandledrejection', function (e) {
    log(
      'error',
      'unhandled rejection: ' + (e.reason && e.reason.message ? e.reason.message : String(e.reason)),
    );
  });

  // ---------------------------------------------------------------- identity and settings

  function presets(cfg) {
    var admins = cfg.adminUserIds || [];
    var staffUser = 7001;
    while (admins.indexOf(staffUser) >= 0) staffUser++;
    return {
      partner: { account: 30111222, user: 5101, subdomain: 'partner-agency', name: 'Анна Партнёрова' },
      // A partner's client in its own amoCRM account: confirms the partner's request with a code.
      client: { account: 30999888, user: 6101, subdomain: 'client-shop', name: 'Игорь Клиентов' },
      staff: { account: cfg.vendorAccountId, user: staffUser, subdomain: 'vendor', name: 'Сергей Продажин' },
      admin: {
        account: cfg.vendorAccountId,
        user: admins.length ? admins[0] : 1,
        subdomain: 'vendor',
        name: 'Ольга Админова',
      },
    };
  }

  function positiveInt(v) {
    var n = Number(v);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  }

  function readState(cfg) {
    var all = presets(cfg);
    var identity = query.get('identity') || 'partner';
    var preset = all[identity] || all.partner;
    var area = query.get('area');
    return {
      identity: all[identity] || identity === 'custom' ? identity : 'partner',
      accountId: positiveInt(query.get('account')) || preset.account,
      userId: positiveInt(query.get('user')) || preset.user,
      subdomain: query.get('subdomain') || preset.subdomain,
      name: query.get('name') || preset.name,
      brand: query.get('brand') === 'kommo' ? 'kommo' : 'amocrm',
      lang: query.get('lang') === 'en' ? 'en' : 'ru',
      token: query.get('token') || 'valid',
      area: AREAS[area] ? area : 'lcard',
      client: query.get('client') || '',
      code: query.get('code') || DEFAULT_WIDGET_CODE,
    };
  }

  /** The widget's saved settings (what amoCRM stores per account); query parameters override them. */
  function loadSettings() {
    var saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(settingsStoreKey) || '{}') || {};
    } catch {
      saved = {};
    }
    var fields = {};
    Object.keys((manifest && manifest.settings) || {}).forEach(function (k) {
      fields[k] = saved[k] !== undefined ? String(saved[k]) : '';
    });
    if (!fields.backend_url) fields.backend_url = location.origin;
    if (!fields.account_id_field) fields.account_id_field = DEFAULT_ACCOUNT_ID_FIELD;
    if (query.get('backend') !== null) fields.backend_url = query.get('backend');
    if (query.get('field') !== null) fields.account_id_field = query.get('field');
    return fields;
  }

  function domain() {
    return state.subdomain + '.' + (state.brand === 'kommo' ? 'kommo.com' : 'amocrm.ru');
  }

  // ---------------------------------------------------------------- X-Auth-Token (HS256 via WebCrypto)

  function base64url(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function jsonPart(obj) {
    return base64url(new TextEncoder().encode(JSON.stringify(obj)));
  }

  /** The token amoCRM's $authorizedAjax adds: claims exactly as AMOCRM.md / API.md describe them. */
  function mintToken() {
    if (state.token === 'none') return Promise.resolve(null);
    if (!window.crypto || !crypto.subtle || !crypto.randomUUID) {
      return Promise.reject(
        new Error(
          'WebCrypto needs a secure context: open the host page on http://localhost or http://127.0.0.1',
        ),
      );
    }
    var now = Math.floor(Date.now() / 1000);
    var iat = state.token === 'expired' ? now - 3600 : now;
    var claims = {
      iss: 'https://' + domain(),
      aud: state.token === 'wrong_audience' ? 'https://wrong-audience.example' : config.tokenAudience,
      jti: crypto.randomUUID(),
      iat: iat,
      nbf: iat,
      exp: iat + 30 * 60,
      account_id: state.accountId,
      user_id: state.userId,
      subdomain: state.subdomain,
      client_uuid: config.clientId,
    };
    var secret =
      state.token === 'bad_signature' ? config.clientSecret + '-not-the-secret' : config.clientSecret;
    var signingInput = jsonPart({ alg: 'HS256', typ: 'JWT' }) + '.' + jsonPart(claims);
    var enc = new TextEncoder();
    return crypto.subtle
      .importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(function (key) {
        return crypto.subtle.sign('HMAC', key, enc.encode(signingInput));
      })
      .then(function (signature) {
        return signingInput + '.' + base64url(new Uint8Array(signature));
      });
  }

  /**
   * self.$authorizedAjax(options): $.ajax plus X-Auth-Token. Returns a jqXHR-like promise at once (as
   * amoCRM does) although signing is asynchronous: the real request starts once the token is ready.
   */
  function authorizedAjax(options) {
    options = options || {};
    var outer = $.Deferred();
    var inner = null;
    var aborted = false;
    var method = String(options.method || options.type || 'GET').toUpperCase();
    var proxy = outer.promise({
      readyState: 0,
      status: 0,
      statusText: '',
      responseText: undefined,
      responseJSON: undefined,
      getResponseHeader: function (name) {
        return inner ? inner.getResponseHeader(name) : null;
      },
      abort: function (statusText) {
        aborted = true;
        if (inner) inner.abort(statusText);
        else outer.rejectWith(proxy, [proxy, statusText || 'abort', statusText || 'abort']);
        return proxy;
      },
    });
    function copy() {
      proxy.readyState = inner.readyState;
      proxy.status = inner.status;
      proxy.statusText = inner.statusText;
      proxy.responseText = inner.responseText;
      proxy.responseJSON = inner.responseJSON;
    }
    mintToken().then(
      function (token) {
        if (aborted) return;
        var headers = $.extend({}, options.headers);
        if (token) headers['X-Auth-Token'] = token;
        inner = $.ajax($.extend({}, options, { headers: headers }));
        inner
          .done(function (data, textStatus) {
            copy();
            log('ok', '$authorizedAjax ' + method + ' ' + options.url + ' → ' + inner.status);
            outer.resolveWith(proxy, [data, textStatus, proxy]);
          })
          .fail(function (_xhr, textStatus, thrown) {
            copy();
            log(
              'error',
              '$authorizedAjax ' + method + ' ' + options.url + ' → ' + (inner.status || textStatus),
              inner.responseText,
            );
            outer.rejectWith(proxy, [proxy, textStatus, thrown]);
          });
      },
      function (e) {
        log('error', '$authorizedAjax: cannot mint the token: ' + e.message);
        outer.rejectWith(proxy, [proxy, 'error', e.message]);
      },
    );
    return proxy;
  }

  // ---------------------------------------------------------------- APP and the injected widget API

  function installApp() {
    var app = {
      lang_id: state.lang,
      constant: function (name) {
        if (name === 'account')
          return {
            id: state.accountId,
            subdomain: state.subdomain,
            name: 'Account ' + state.accountId,
            currency: 'RUB',
          };
        if (name === 'user')
          return { id: state.userId, name: state.name, login: 'user' + state.userId + '@' + domain() };
        return undefined;
      },
      getWidgetsArea: function () {
        return host.area ? AREAS[host.area].widgetsArea : undefined;
      },
      data: { current_card: null },
    };
    window.APP = window.AMOCRM = app;
    document.documentElement.lang = state.lang;
  }

  function lookup(tree, dotted) {
    return String(dotted)
      .split('.')
      .reduce(function (node, part) {
        return node && typeof node === 'object' ? node[part] : undefined;
      }, tree);
  }

  function text(key) {
    var v = lookup(langs, key);
    return typeof v === 'string' ? v : key;
  }

  /** What amoCRM injects into every widget instance. Mixed into the prototype before `new Widget()`. */
  function widgetApi(params) {
    return {
      params: params,
      langs: langs,
      get_settings: function () {
        return this.params;
      },
      set_settings: function (values) {
        $.extend(this.params, values);
      },
      get_version: function () {
        return manifest.widget.version;
      },
      get_install_status: function () {
        return 'installed';
      },
      system: function () {
        return {
          area: host.area,
          amouser_id: state.userId,
          amouser: 'user' + state.userId + '@' + domain(),
          amohash: 'dev-host',
          subdomain: state.subdomain,
          domain: domain(),
        };
      },
      i18n: function (key) {
        return langs[key];
      },
      render_template: function (options) {
        return renderCardPanel(options || {});
      },
      $authorizedAjax: authorizedAjax,
    };
  }

  function renderCardPanel(options) {
    var column = document.getElementById('card-widgets');
    if (!column) {
      log('error', 'render_template() called outside a card area (area: ' + host.area + ')');
      return false;
    }
    var code = state.code;
    var panel = column.querySelector('.card-widgets__widget[data-code="' + CSS.escape(code) + '"]');
    if (!panel) {
      panel = document.createElement('div');
      panel.className = 'card-widgets__widget card-widgets__widget-' + code;
      panel.setAttribute('data-code', code);
      column.appendChild(panel);
    }
    var caption = (options.caption && options.caption.class_name) || '';
    panel.innerHTML =
      '<div class="card-widgets__widget__caption js-widget-caption-block ' +
      caption +
      '">' +
      '<img alt="" src="' +
      config.widgetBase +
      '/images/logo_medium.png" />' +
      '<span class="card-widgets__widget__caption__arrow">▾</span></div>' +
      '<div class="card-widgets__widget__body"></div>';
    panel.querySelector('.card-widgets__widget__body').innerHTML =
      (options.body || '') + (options.render || '');
    return true;
  }

  function createInstance(Widget) {
    if (typeof Widget !== 'function')
      throw new Error('script.js must return the widget constructor, got ' + typeof Widget);
    if (/^class[\s{]/.test(Function.prototype.toString.call(Widget))) {
      throw new Error('script.js returned an ES class; amoCRM needs a plain constructor function');
    }
    var api = widgetApi(loadSettings());
    api.params.widget_code = state.code;
    api.params.path = config.widgetBase;
    api.params.version = manifest.widget.version;
    api.params.oauth_client_uuid = config.clientId;
    api.params.widget_active = 'Y';
    Object.keys(api).forEach(function (k) {
      Widget.prototype[k] = api[k];
    });
    var widget = new Widget();
    if (!widget || typeof widget.callbacks !== 'object')
      throw new Error('new Widget() must set this.callbacks');
    return widget;
  }

  // ---------------------------------------------------------------- lifecycle

  function call(name, args) {
    var callbacks = instance.callbacks;
    host.calls.push(name);
    if (typeof callbacks[name] !== 'function') {
      log('error', 'callbacks.' + name + ' is not a function');
      return undefined;
    }
    var result;
    try {
      result = callbacks[name].apply(callbacks, args || []);
    } catch (e) {
      log('error', 'callbacks.' + name + '() threw: ' + (e && e.stack ? e.stack : e));
      return undefined;
    }
    log('info', 'callbacks.' + name + '() → ' + safeJson(result));
    return result;
  }

  function callRequiringTrue(name, args) {
    var result = call(name, args);
    if (result !== true)
      log('error', 'callbacks.' + name + '() must return true (amoCRM stops here)', result);
    return result === true;
  }

  function enterArea(area) {
    host.area = area;
    window.APP.data.current_card =
      AREAS[area].kind === 'card' ? { id: CARD_IDS[area], element_type: AREAS[area].entity } : null;
    buildArea(area);
    markAreaButtons(area);
    if (!callRequiringTrue('render')) return;
    if (!initDone || !manifest.widget.init_once) {
      if (!callRequiringTrue('init')) return;
      initDone = true;
    }
    if (!callRequiringTrue('bind_actions')) return;
    if (area === 'settings') call('settings', [$('#host-settings-modal .modal-body')]);
    if (area === 'advanced_settings') call('advancedSettings');
    setStatus(
      state.code +
        ' v' +
        manifest.widget.version +
        ' · ' +
        area +
        ' · ' +
        state.identity +
        ' ' +
        state.accountId +
        '/' +
        state.userId +
        ' · token ' +
        state.token,
    );
  }

  /** amoCRM calls destroy when the user leaves an area; the widget must unmount everything it drew. */
  function leaveArea() {
    if (!host.area) return;
    call('destroy');
    var leftovers = workspace.querySelectorAll('.amop-root *').length;
    host.destroys.push({ area: host.area, leftovers: leftovers });
    if (leftovers)
      log(
        'error',
        'after destroy the widget still has ' + leftovers + ' rendered element(s) in ' + host.area,
      );
    else log('ok', 'after destroy nothing of the widget is left in ' + host.area);
    workspace.textContent = '';
    window.APP.data.current_card = null;
    host.area = null;
  }

  function switchArea(area) {
    if (!AREAS[area]) throw new Error('unknown area ' + area);
    leaveArea();
    enterArea(area);
    var q = new URLSearchParams(location.search);
    q.set('area', area);
    history.replaceState(null, '', '?' + q.toString());
  }

  // ---------------------------------------------------------------- area DOM

  function el(html) {
    var t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstChild;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function buildArea(area) {
    workspace.textContent = '';
    var kind = AREAS[area].kind;
    var params = instance.params;
    if (kind === 'card') {
      var field = params.account_id_field || DEFAULT_ACCOUNT_ID_FIELD;
      workspace.appendChild(
        el(
          '<div class="host-card" data-area="' +
            area +
            '">' +
            '<section class="host-card__main"><h1>' +
            escapeHtml(AREAS[area].title) +
            '</h1>' +
            '<p class="host-muted">' +
            escapeHtml(domain()) +
            '</p>' +
            '<div class="host-field"><label for="host-client-field">Client account id · CFV[' +
            escapeHtml(field) +
            ']</label>' +
            '<input id="host-client-field" name="CFV[' +
            escapeHtml(field) +
            ']" value="' +
            escapeHtml(state.client) +
            '" /></div>' +
            '</section><aside class="card-widgets" id="card-widgets"></aside></div>',
        ),
      );
      document.getElementById('host-client-field').addEventListener('input', function (e) {
        state.client = e.target.value;
        var q = new URLSearchParams(location.search);
        q.set('client', state.client);
        history.replaceState(null, '', '?' + q.toString());
      });
    } else if (kind === 'settings') {
      workspace.appendChild(
        el('<div class="host-page"><h1>Настройки · Интеграции</h1><p class="host-muted">amoMarket</p></div>'),
      );
      workspace.appendChild(settingsModal(params));
    } else {
      workspace.appendChild(
        el(
          '<div class="host-page"><h1>' +
            escapeHtml(text(manifest.advanced && manifest.advanced.title)) +
            '</h1>' +
            '<div class="work-area" id="work-area-' +
            escapeHtml(state.code) +
            '"></div></div>',
        ),
      );
    }
  }

  /** amoCRM's settings modal: logo, description, the manifest's fields, Save / switch off. */
  function settingsModal(params) {
    var fields = Object.keys(manifest.settings || {})
      .map(function (key) {
        var def = manifest.settings[key];
        var type = def.type === 'pass' ? 'password' : 'text';
        return (
          '<div class="widget_settings_block__item_field"><label for="host-setting-' +
          key +
          '">' +
          escapeHtml(text(def.name)) +
          (def.required ? ' *' : '') +
          '</label><input id="host-setting-' +
          key +
          '" type="' +
          type +
          '" name="' +
          escapeHtml(key) +
          '" value="' +
          escapeHtml(params[key] || '') +
          '" /></div>'
        );
      })
      .join('');
    var overlay = el(
      '<div class="host-modal-overlay"><div class="host-modal" id="host-settings-modal"><div class="modal-body">' +
        '<div class="widget-settings__header"><img alt="" src="' +
        config.widgetBase +
        '/images/logo_min.png" />' +
        '<h2>' +
        escapeHtml(text(manifest.widget.name)) +
        '</h2></div>' +
        '<div class="widget-settings__desc-space"><p>' +
        escapeHtml(text(manifest.widget.description)) +
        '</p></div>' +
        '<div class="widget_settings_block">' +
        fields +
        '</div>' +
        '<div class="widget-settings__footer"><button type="button" class="js-widget-save">Сохранить</button>' +
        '<button type="button" class="js-widget-off">Отключить</button></div>' +
        '</div></div></div>',
    );
    function collect() {
      var out = {};
      overlay.querySelectorAll('.widget_settings_block input').forEach(function (input) {
        out[input.name] = input.value;
      });
      return out;
    }
    overlay.querySelector('.js-widget-save').addEventListener('click', function () {
      var values = collect();
      var missing = Object.keys(manifest.settings || {}).filter(function (k) {
        return manifest.settings[k].required && !values[k];
      });
      if (missing.length) return log('error', 'required settings are empty: ' + missing.join(', '));
      if (call('onSave', [{ active: 'Y', fields: values }]) !== true)
        return log('error', 'onSave did not return true; not saved');
      localStorage.setItem(settingsStoreKey, JSON.stringify(values));
      $.extend(instance.params, values);
      log('ok', 'settings saved', values);
    });
    overlay.querySelector('.js-widget-off').addEventListener('click', function () {
      call('onSave', [{ active: 'N', fields: collect() }]);
    });
    return overlay;
  }

  function markAreaButtons(area) {
    document.querySelectorAll('#host-areas button').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-area') === area));
    });
  }

  // ---------------------------------------------------------------- toolbar

  function initToolbar() {
    var form = toolbar.elements;
    form.identity.value = state.identity;
    form.account.value = state.accountId;
    form.user.value = state.userId;
    form.subdomain.value = state.subdomain;
    form.name.value = state.name;
    form.brand.value = state.brand;
    form.lang.value = state.lang;
    form.token.value = state.token;
    form.identity.addEventListener('change', function () {
      var p = presets(config)[form.identity.value];
      if (!p) return;
      form.account.value = p.account;
      form.user.value = p.user;
      form.subdomain.value = p.subdomain;
      form.name.value = p.name;
    });
    // Another user or token mode is another amoCRM session: reload the page with the new query.
    toolbar.addEventListener('submit', function (e) {
      e.preventDefault();
      var q = new URLSearchParams(location.search);
      ['identity', 'account', 'user', 'subdomain', 'name', 'brand', 'lang', 'token'].forEach(function (k) {
        q.set(k, form[k].value);
      });
      q.set('area', host.area || state.area);
      q.set('client', state.client);
      location.search = q.toString();
    });
    document.getElementById('host-areas').addEventListener('click', function (e) {
      var area = e.target && e.target.getAttribute && e.target.getAttribute('data-area');
      if (area && instance) switchArea(area);
    });
  }

  // ---------------------------------------------------------------- boot

  function fetchJson(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok)
        throw new Error(
          'GET ' +
            url +
            ' → ' +
            r.status +
            (r.status === 404 ? ' (build the widget: npm run build:widget)' : ''),
        );
      return r.json();
    });
  }

  function requireModule(id) {
    return new Promise(function (resolve, reject) {
      window.require([id], resolve, reject);
    });
  }

  host.ready = fetchJson('config.json')
    .then(function (cfg) {
      config = host.config = cfg;
      config.widgetBase = (cfg.widgetBase || '/dev/widget').replace(/\/+$/, '');
      state = host.state = readState(cfg);
      settingsStoreKey = 'amop-dev-settings:' + state.code;
      installApp();
      initToolbar();
      return fetchJson(config.widgetBase + '/manifest.json');
    })
    .then(function (m) {
      manifest = m;
      if (!m.widget || m.widget.interface_version !== 2)
        log('error', 'manifest.widget.interface_version must be 2');
      var locales = m.widget.locale || ['ru'];
      // amoCRM gives the widget the user's language when the manifest lists it.
      var lang = locales.indexOf(state.lang) >= 0 ? state.lang : locales[0];
      return fetchJson(config.widgetBase + '/i18n/' + lang + '.json');
    })
    .then(function (l) {
      langs = l;
      return requireModule(config.widgetBase + '/script.js');
    })
    .then(function (Widget) {
      instance = host.instance = createInstance(Widget);
      log(
        'ok',
        'widget ' +
          state.code +
          ' v' +
          manifest.widget.version +
          ' loaded as ' +
          state.identity +
          ' (account ' +
          state.accountId +
          ', user ' +
          state.userId +
          ')',
      );
      enterArea(state.area);
    })
    .catch(function (e) {
      log('error', e && e.message ? e.message : String(e));
      setStatus(String(e && e.message ? e.message : e), true);
      throw e;
    });
  // The failure is already logged and shown; tests read it from host.ready itself.
  host.ready.catch(function () {});
})();
