/* global window, document, location, XMLHttpRequest */
/*
 * 'jquery' for the dev host page: a small jQuery 2 subset, defined as the AMD module amoCRM provides.
 *
 * The host cannot download jQuery (no CDN, nothing fetched at runtime), so it implements just what the
 * widget and the host need, with jQuery 2 semantics where they differ from jQuery 3 (synchronous
 * Deferred callbacks; `then` keeps the original outcome unless a handler returns a promise; no `.catch`).
 * Widget code should stay inside this subset (typed in widget/src/env.d.ts): it is what real amoCRM's
 * jQuery 2 also has, so code that runs here runs there.
 *
 *   $(selector | element | html | jq | fn)  .length [i] .get() .each .find .first .eq .closest .parent
 *   .html .text .val .attr .addClass .removeClass .hasClass .append .empty .remove .on .off .show .hide
 *   $.ajax (jqXHR: done/fail/always/then/abort, status, responseText, responseJSON, getResponseHeader;
 *           options incl. headers, xhrFields, mimeType, timeout)
 *   $.Deferred  $.when (one argument)  $.param  $.extend  $.each  $.noop
 */
(function (global) {
  'use strict';

  function JQ(elements) {
    this.length = 0;
    for (var i = 0; i < elements.length; i++) this[this.length++] = elements[i];
  }

  function parseHtml(html) {
    var template = document.createElement('template');
    template.innerHTML = html.trim();
    return Array.prototype.slice.call(template.content.childNodes);
  }

  function $(selector, context) {
    if (selector instanceof JQ) return selector;
    if (selector == null || selector === '') return new JQ([]);
    if (typeof selector === 'function') {
      if (document.readyState === 'loading')
        document.addEventListener('DOMContentLoaded', function () {
          selector($);
        });
      else
        setTimeout(function () {
          selector($);
        });
      return new JQ([document]);
    }
    if (typeof selector === 'string') {
      if (selector.trim().charAt(0) === '<') return new JQ(parseHtml(selector));
      if (context) return $(context).find(selector);
      return new JQ(document.querySelectorAll(selector));
    }
    if (selector.nodeType || selector === global) return new JQ([selector]);
    if (typeof selector.length === 'number') return new JQ(selector);
    return new JQ([selector]);
  }

  function contentNodes(content) {
    if (content instanceof JQ) return Array.prototype.slice.call(content);
    if (typeof content === 'string') return parseHtml(content);
    if (content && content.nodeType) return [content];
    return [];
  }

  var fn = (JQ.prototype = {
    jquery: '2.2.4-host-lite',
    get: function (i) {
      if (i === undefined) return Array.prototype.slice.call(this);
      return i < 0 ? this[this.length + i] : this[i];
    },
    each: function (cb) {
      for (var i = 0; i < this.length; i++) if (cb.call(this[i], i, this[i]) === false) break;
      return this;
    },
    find: function (selector) {
      var out = [];
      this.each(function () {
        if (!this.querySelectorAll) return;
        var found = this.querySelectorAll(selector);
        for (var i = 0; i < found.length; i++) if (out.indexOf(found[i]) < 0) out.push(found[i]);
      });
      return new JQ(out);
    },
    first: function () {
      return new JQ(this.length ? [this[0]] : []);
    },
    eq: function (i) {
      var el = this.get(i);
      return new JQ(el ? [el] : []);
    },
    closest: function (selector) {
      var out = [];
      this.each(function () {
        var el = this.closest ? this.closest(selector) : null;
        if (el && out.indexOf(el) < 0) out.push(el);
      });
      return new JQ(out);
    },
    parent: function () {
      var out = [];
      this.each(function () {
        if (this.parentNode && out.indexOf(this.parentNode) < 0) out.push(this.parentNode);
      });
      return new JQ(out);
    },
    html: function (value) {
      if (value === undefined) return this.length ? this[0].innerHTML : undefined;
      return this.each(function () {
        this.innerHTML = value;
      });
    },
    text: function (value) {
      if (value === undefined)
        return this.get()
          .map(function (el) {
            return el.textContent;
          })
          .join('');
      return this.each(function () {
        this.textContent = value;
      });
    },
    val: function (value) {
      if (value === undefined) return this.length ? this[0].value : undefined;
      return this.each(function () {
        this.value = value;
      });
    },
    attr: function (name, value) {
      if (value === undefined)
        return this.length && this[0].getAttribute ? (this[0].getAttribute(name) ?? undefined) : undefined;
      return this.each(function () {
        this.setAttribute(name, value);
      });
    },
    addClass: function (names) {
      return this.each(function () {
        this.classList.add.apply(this.classList, names.split(/\s+/).filter(Boolean));
      });
    },
    removeClass: function (names) {
      return this.each(function () {
        this.classList.remove.apply(this.classList, names.split(/\s+/).filter(Boolean));
      });
    },
    hasClass: function (name) {
      return this.get().some(function (el) {
        return el.classList && el.classList.contains(name);
      });
    },
    append: function (content) {
      return this.each(function (i, parent) {
        contentNodes(content).forEach(function (node) {
          parent.appendChild(i === 0 ? node : node.cloneNode(true));
        });
      });
    },
    empty: function () {
      return this.each(function () {
        this.textContent = '';
      });
    },
    remove: function () {
      return this.each(function () {
        if (this.parentNode) this.parentNode.removeChild(this);
      });
    },
    show: function () {
      return this.each(function () {
        this.style.display = '';
      });
    },
    hide: function () {
      return this.each(function () {
        this.style.display = 'none';
      });
    },
    on: function (events, selector, handler) {
      if (typeof selector === 'function') {
        handler = selector;
        selector = null;
      }
      return this.each(function (_i, el) {
        var listeners = el.__hostLiteListeners || (el.__hostLiteListeners = []);
        events
          .split(/\s+/)
          .filter(Boolean)
          .forEach(function (type) {
            var wrapped = function (e) {
              if (!selector) return handler.call(el, e);
              var target = e.target && e.target.closest ? e.target.closest(selector) : null;
              if (target && el.contains(target)) return handler.call(target, e);
            };
            listeners.push({ type: type.split('.')[0], ns: type, handler: handler, wrapped: wrapped });
            el.addEventListener(type.split('.')[0], wrapped);
          });
      });
    },
    off: function (events, handler) {
      return this.each(function (_i, el) {
        var types = (events || '').split(/\s+/).filter(Boolean);
        el.__hostLiteListeners = (el.__hostLiteListeners || []).filter(function (l) {
          var match =
            (!types.length || types.indexOf(l.ns) >= 0 || types.indexOf(l.type) >= 0) &&
            (!handler || handler === l.handler);
          if (match) el.removeEventListener(l.type, l.wrapped);
          return !match;
        });
      });
    },
  });
  $.fn = fn;

  function extend() {
    var args = Array.prototype.slice.call(arguments);
    var deep = false;
    if (typeof args[0] === 'boolean') deep = args.shift();
    var target = args.shift() || {};
    args.forEach(function (src) {
      if (!src) return;
      Object.keys(src).forEach(function (k) {
        var v = src[k];
        if (deep && v && typeof v === 'object' && !Array.isArray(v))
          target[k] = extend(true, target[k] || {}, v);
        else if (v !== undefined) target[k] = v;
      });
    });
    return target;
  }

  /** jQuery 2 Deferred: callbacks run synchronously; late subscribers are called at once. */
  function Deferred() {
    var state = 'pending';
    var settledArgs = null;
    var settledContext = null;
    var handlers = { resolved: [], rejected: [] };

    function settle(newState, context, args) {
      if (state !== 'pending') return;
      state = newState;
      settledContext = context;
      settledArgs = args || [];
      var list = handlers[newState];
      handlers = { resolved: [], rejected: [] };
      list.forEach(function (h) {
        h.apply(settledContext, settledArgs);
      });
    }

    function subscribe(kind, fns) {
      fns.forEach(function (f) {
        if (Array.isArray(f)) return subscribe(kind, f);
        if (typeof f !== 'function') return;
        if (state === kind) f.apply(settledContext, settledArgs);
        else if (state === 'pending') handlers[kind].push(f);
      });
    }

    var promise = {
      state: function () {
        return state;
      },
      done: function () {
        subscribe('resolved', Array.prototype.slice.call(arguments));
        return this;
      },
      fail: function () {
        subscribe('rejected', Array.prototype.slice.call(arguments));
        return this;
      },
      always: function () {
        var fns = Array.prototype.slice.call(arguments);
        subscribe('resolved', fns);
        subscribe('rejected', fns);
        return this;
      },
      then: function (onDone, onFail) {
        var next = Deferred();
        function pipe(filter, kind) {
          return function () {
            var args = Array.prototype.slice.call(arguments);
            if (typeof filter !== 'function') {
              return kind === 'resolved' ? next.resolveWith(this, args) : next.rejectWith(this, args);
            }
            var returned = filter.apply(this, args);
            if (returned && typeof returned.promise === 'function') {
              returned.promise().done(next.resolve).fail(next.reject);
            } else if (kind === 'resolved') {
              next.resolveWith(this, [returned]);
            } else {
              // jQuery < 3: a value returned from a fail filter keeps the chain rejected.
              next.rejectWith(this, [returned]);
            }
          };
        }
        subscribe('resolved', [pipe(onDone, 'resolved')]);
        subscribe('rejected', [pipe(onFail, 'rejected')]);
        return next.promise();
      },
      promise: function (target) {
        return target ? extend(target, promise) : promise;
      },
    };
    var deferred = extend({}, promise);
    deferred.resolve = function () {
      settle('resolved', this === deferred ? promise : this, Array.prototype.slice.call(arguments));
      return deferred;
    };
    deferred.reject = function () {
      settle('rejected', this === deferred ? promise : this, Array.prototype.slice.call(arguments));
      return deferred;
    };
    deferred.resolveWith = function (context, args) {
      settle('resolved', context, args);
      return deferred;
    };
    deferred.rejectWith = function (context, args) {
      settle('rejected', context, args);
      return deferred;
    };
    return deferred;
  }

  function param(obj) {
    var parts = [];
    function add(key, value) {
      if (value === undefined) return;
      if (Array.isArray(value))
        value.forEach(function (v) {
          add(key + '[]', v);
        });
      else if (value && typeof value === 'object')
        Object.keys(value).forEach(function (k) {
          add(key + '[' + k + ']', value[k]);
        });
      else parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value === null ? '' : value));
    }
    Object.keys(obj || {}).forEach(function (k) {
      add(k, obj[k]);
    });
    return parts.join('&').replace(/%20/g, '+');
  }

  var ACCEPTS = {
    text: 'text/plain, */*; q=0.01',
    json: 'application/json, text/javascript, */*; q=0.01',
    html: 'text/html, */*; q=0.01',
  };

  /** $.ajax over XMLHttpRequest with jqXHR's promise API and jQuery 2's callback arguments. */
  function ajax(url, options) {
    if (typeof url === 'object') {
      options = url;
      url = undefined;
    }
    var s = extend({ type: 'GET', async: true, headers: {}, processData: true, timeout: 0 }, options || {});
    s.url = url || s.url || location.href;
    var method = String(s.method || s.type || 'GET').toUpperCase();
    var deferred = Deferred();
    var xhr = new XMLHttpRequest();
    var requestHeaders = {};
    var finished = false;
    var timer = null;
    var crossDomain = new URL(s.url, location.href).origin !== location.origin;

    var jqXHR = deferred.promise({
      readyState: 0,
      status: 0,
      statusText: '',
      responseText: undefined,
      responseJSON: undefined,
      setRequestHeader: function (name, value) {
        requestHeaders[name.toLowerCase()] = [name, value];
        return this;
      },
      getResponseHeader: function (name) {
        return this.readyState === 4 ? xhr.getResponseHeader(name) : null;
      },
      getAllResponseHeaders: function () {
        return this.readyState === 4 ? xhr.getAllResponseHeaders() : null;
      },
      abort: function (statusText) {
        if (finished) return this;
        xhr.abort();
        done(0, statusText || 'abort');
        return this;
      },
    });

    var data = s.data;
    if (data && typeof data !== 'string' && s.processData) data = param(data);
    if (data && (method === 'GET' || method === 'HEAD')) {
      s.url += (s.url.indexOf('?') < 0 ? '?' : '&') + data;
      data = null;
    }
    if (data && s.contentType !== false)
      jqXHR.setRequestHeader(
        'Content-Type',
        s.contentType || 'application/x-www-form-urlencoded; charset=UTF-8',
      );
    jqXHR.setRequestHeader('Accept', ACCEPTS[s.dataType] || '*/*');
    if (!crossDomain) jqXHR.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    Object.keys(s.headers).forEach(function (name) {
      jqXHR.setRequestHeader(name, s.headers[name]);
    });

    function convert(text) {
      var type = s.dataType || (/json/i.test(xhr.getResponseHeader('Content-Type') || '') ? 'json' : 'text');
      if (type !== 'json') return text;
      return text === '' ? undefined : JSON.parse(text);
    }

    function done(status, statusText) {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      jqXHR.readyState = 4;
      jqXHR.status = status;
      var ok = (status >= 200 && status < 300) || status === 304;
      var text = status ? xhr.responseText : undefined;
      jqXHR.responseText = text;
      if (status && /json/i.test(xhr.getResponseHeader('Content-Type') || '')) {
        try {
          jqXHR.responseJSON = JSON.parse(text);
        } catch {
          jqXHR.responseJSON = undefined;
        }
      }
      var context = s.context || s;
      if (ok) {
        var result;
        var textStatus =
          status === 204 || method === 'HEAD' ? 'nocontent' : status === 304 ? 'notmodified' : 'success';
        try {
          result = status === 204 ? undefined : convert(text);
        } catch (e) {
          jqXHR.statusText = 'parsererror';
          if (s.error) s.error.call(context, jqXHR, 'parsererror', e);
          deferred.rejectWith(context, [jqXHR, 'parsererror', e]);
          if (s.complete) s.complete.call(context, jqXHR, 'parsererror');
          return;
        }
        jqXHR.statusText = textStatus;
        if (s.success) s.success.call(context, result, textStatus, jqXHR);
        deferred.resolveWith(context, [result, textStatus, jqXHR]);
        if (s.complete) s.complete.call(context, jqXHR, textStatus);
      } else {
        var errorStatus = status ? 'error' : statusText || 'error';
        var thrown = status ? xhr.statusText || '' : statusText || '';
        jqXHR.statusText = status ? xhr.statusText : errorStatus;
        if (s.error) s.error.call(context, jqXHR, errorStatus, thrown);
        deferred.rejectWith(context, [jqXHR, errorStatus, thrown]);
        if (s.complete) s.complete.call(context, jqXHR, errorStatus);
      }
    }

    if (s.beforeSend && s.beforeSend.call(s.context || s, jqXHR, s) === false) {
      done(0, 'canceled');
      return jqXHR;
    }
    xhr.open(method, s.url, true);
    Object.keys(requestHeaders).forEach(function (k) {
      xhr.setRequestHeader(requestHeaders[k][0], requestHeaders[k][1]);
    });
    if (s.xhrFields) extend(xhr, s.xhrFields);
    // jQuery's `mimeType` option: e.g. 'text/plain; charset=x-user-defined' to read binary as text.
    if (s.mimeType && xhr.overrideMimeType) xhr.overrideMimeType(s.mimeType);
    xhr.onload = function () {
      done(xhr.status, xhr.statusText);
    };
    xhr.onerror = function () {
      done(0, 'error');
    };
    if (s.timeout > 0) {
      timer = setTimeout(function () {
        jqXHR.abort('timeout');
      }, s.timeout);
    }
    xhr.send(data == null ? null : data);
    return jqXHR;
  }

  $.extend = extend;
  $.Deferred = Deferred;
  $.ajax = ajax;
  $.param = param;
  $.noop = function () {};
  $.each = function (obj, cb) {
    if (Array.isArray(obj) || typeof obj.length === 'number') {
      for (var i = 0; i < obj.length; i++) if (cb.call(obj[i], i, obj[i]) === false) break;
    } else {
      for (var k in obj)
        if (Object.prototype.hasOwnProperty.call(obj, k) && cb.call(obj[k], k, obj[k]) === false) break;
    }
    return obj;
  };
  $.when = function (single) {
    if (single && typeof single.promise === 'function') return single.promise();
    return Deferred().resolve(single).promise();
  };

  global.jQuery = global.$ = $;
  global.define('jquery', [], function () {
    return $;
  });
})(window);
