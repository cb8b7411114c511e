/* global window, document */
/*
 * A tiny AMD loader for the dev host page, compatible with the part of RequireJS amoCRM relies on:
 *   define(id?, deps?, factory)   named or anonymous modules; deps 'require' | 'exports' | 'module'
 *   require(deps, callback, errback)  and  require('id') for an already defined module
 * A dependency that looks like a URL or path (contains '/' or ends in '.js') is loaded with a <script>;
 * an anonymous define() is matched to its <script> through document.currentScript. Any other id must
 * have been defined by the page (the host defines 'jquery'); a widget asking for a module the host does
 * not provide fails with a clear error instead of silently getting undefined.
 * No network access besides the script tags it inserts; no config, no plugins, no shims.
 */
(function (global) {
  'use strict';

  var modules = Object.create(null);

  function record(id) {
    return (
      modules[id] || (modules[id] = { id: id, state: 'new', exports: undefined, error: null, waiters: [] })
    );
  }

  function settle(m, error, exports) {
    if (m.state === 'ready' || m.state === 'error') return;
    m.state = error ? 'error' : 'ready';
    m.error = error || null;
    m.exports = exports;
    var waiters = m.waiters;
    m.waiters = [];
    waiters.forEach(function (cb) {
      cb(m.error, m.exports);
    });
  }

  function isPath(id) {
    return /\//.test(id) || /\.js(\?.*)?$/.test(id);
  }

  function load(id, cb) {
    var m = record(id);
    if (m.state === 'ready') return cb(null, m.exports);
    if (m.state === 'error') return cb(m.error);
    m.waiters.push(cb);
    if (m.state !== 'new') return;
    if (!isPath(id)) {
      settle(m, new Error('AMD module "' + id + '" is not provided by the host page'));
      return;
    }
    m.state = 'loading';
    var script = document.createElement('script');
    script.src = id;
    script.async = true;
    script.setAttribute('data-amd-id', id);
    script.onload = function () {
      // A script that ran without define() leaves its module loading forever; fail it instead.
      if (m.state === 'loading') settle(m, new Error(id + ' was loaded but did not call define()'));
    };
    script.onerror = function () {
      settle(m, new Error('failed to load ' + id));
    };
    document.head.appendChild(script);
  }

  /** Resolves deps in order; `local` supplies 'require' / 'exports' / 'module' for a defining module. */
  function resolve(deps, local, cb) {
    var values = new Array(deps.length);
    var remaining = deps.length;
    var failed = false;
    if (remaining === 0) return cb(null, values);
    deps.forEach(function (dep, i) {
      if (local && Object.prototype.hasOwnProperty.call(local, dep)) {
        values[i] = local[dep];
        if (--remaining === 0) cb(null, values);
        return;
      }
      load(dep, function (error, exports) {
        if (failed) return;
        if (error) {
          failed = true;
          return cb(error);
        }
        values[i] = exports;
        if (--remaining === 0) cb(null, values);
      });
    });
  }

  function define(id, deps, factory) {
    if (typeof id !== 'string') {
      factory = deps;
      deps = id;
      id = null;
    }
    if (!Array.isArray(deps)) {
      factory = deps;
      deps = typeof factory === 'function' && factory.length ? ['require', 'exports', 'module'] : [];
    }
    if (id === null) {
      var script = document.currentScript;
      id = script && script.getAttribute('data-amd-id');
      if (!id) throw new Error('anonymous define() outside a script loaded through require()');
    }
    var m = record(id);
    if (m.state === 'defining' || m.state === 'ready')
      throw new Error('AMD module "' + id + '" defined twice');
    m.state = 'defining';
    var module = { id: id, exports: {} };
    var local = { require: localRequire, exports: module.exports, module: module };
    resolve(deps, local, function (error, values) {
      if (error) return settle(m, error);
      try {
        var result = typeof factory === 'function' ? factory.apply(global, values) : factory;
        settle(m, null, result !== undefined ? result : module.exports);
      } catch (e) {
        settle(m, e);
      }
    });
  }
  define.amd = { jQuery: true };

  function localRequire(deps, callback, errback) {
    if (typeof deps === 'string') {
      var m = modules[deps];
      if (!m || m.state !== 'ready') throw new Error('AMD module "' + deps + '" is not loaded yet');
      return m.exports;
    }
    resolve(deps, null, function (error, values) {
      if (error) {
        if (errback) errback(error);
        else console.error(error);
        return;
      }
      if (callback) callback.apply(global, values);
    });
  }

  /** Forgets a module so the next require() loads it again (used when the host reloads the widget). */
  localRequire.undef = function (id) {
    delete modules[id];
  };

  global.define = define;
  global.require = global.requirejs = localRequire;
})(window);
